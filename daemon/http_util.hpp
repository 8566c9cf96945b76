// Small helpers for the JSON HTTP responses the center sends.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "regcenter/common/net.hpp"

namespace regcenter {

using http_response = http::response<http::string_body>;

/// A response with a JSON body (serialized once here). The object and array overloads spare
/// the copy a conversion to a value would make.
http_response json_response(http::status status, const boost::json::value& body,
                            unsigned version = 11, bool keep_alive = false);
http_response json_response(http::status status, const boost::json::object& body,
                            unsigned version = 11, bool keep_alive = false);
http_response json_response(http::status status, const boost::json::array& body,
                            unsigned version = 11, bool keep_alive = false);

/// The same with a body already serialized (one JSON document, without the final newline).
/// Named apart from json_response, where a std::string would be a JSON string value.
http_response json_text_response(http::status status, std::string body, unsigned version = 11,
                                 bool keep_alive = false);

/// {"error":{"code":…,"message":…}} with the given status.
http_response error_response(http::status status, std::string_view code, std::string_view message,
                             unsigned version = 11, bool keep_alive = false);

/// The percent-decoded value of query parameter `name` in a request target ("/p?a=1&b=2"), or
/// nullopt when it is absent or badly encoded. '+' decodes to a space.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

/// Every query parameter in order, percent-decoded; nullopt if any is badly encoded.
std::optional<std::vector<std::pair<std::string, std::string>>> query_params(
    std::string_view target);

/// True if the target's query has parameter `name`, however its value is encoded.
bool has_query_param(std::string_view target, std::string_view name);

/// The path of a request target, without the query.
inline std::string_view target_path(std::string_view target) {
    return target.substr(0, target.find('?'));
}

}  // namespace regcenter
