// A one-request HTTP client for tests of the admin API and the master port's refusals.
#pragma once

#include <chrono>
#include <string>

#include <boost/json/value.hpp>

#include "regcenter/common/net.hpp"

namespace regcenter::test {

struct http_result {
    unsigned status = 0;
    std::string body;
    http::response<http::string_body> raw;

    /// The body parsed as JSON; throws std::runtime_error if it isn't.
    boost::json::value json() const;
};

/// Sends one request (Connection: close) and returns the response; throws std::system_error on
/// connection failure or when no response comes within `timeout`. An empty `bearer` sends no
/// Authorization header.
http_result http_call(const tcp::endpoint& server, http::verb method, const std::string& target,
                      const std::string& bearer = "", const std::string& body = "",
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace regcenter::test
