// Small helpers for the JSON HTTP responses the center sends.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "regcenter/common/net.hpp"

namespace regcenter {

using http_response = http::response<http::string_body>;

/// A response with a JSON body (serialized once here).
http_response json_response(http::status status, const boost::json::value& body,
                            unsigned version = 11, bool keep_alive = false);

/// {"error":{"code":…,"message":…}} with the given status.
http_response error_response(http::status status, std::string_view code, std::string_view message,
                             unsigned version = 11, bool keep_alive = false);

}  // namespace regcenter
