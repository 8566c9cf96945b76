// A synchronous client of regcenterd's admin HTTP API: one kept-alive connection, bearer token,
// JSON bodies, and failures turned into messages the user can act on.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>

#include <boost/json/value.hpp>

#include "exit_codes.hpp"
#include "options.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter::ctl {

/// The error (exit_failed) for an answer the caller did not expect to `request` ("GET
/// /v1/masters"): the API's error code and message when the body has them, else the status and
/// the start of the body.
ctl_error api_failure(const connection_settings& settings, const std::string& request,
                      unsigned status, const std::string& body);

/// The "message" of an API error body ({"error":{"code","message"}}); empty if it has none.
std::string api_error_message(const std::string& body);

class admin_client {
  public:
    struct response {
        unsigned status = 0;
        std::string body;
    };

    /// `log`, when given, receives one line per request (--verbose).
    explicit admin_client(connection_settings settings, std::ostream* log = nullptr);

    admin_client(const admin_client&) = delete;
    admin_client& operator=(const admin_client&) = delete;

    /// Sends one request and returns the daemon's answer, whatever its status, except 401,
    /// which throws token_rejected(). Throws ctl_error (exit_unreachable) when the daemon can't
    /// be reached or doesn't answer within `timeout`.
    response send(http::verb method, const std::string& target, const std::string& body = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

    /// send() with a JSON body (or none), expecting one of `ok` statuses; returns the body as
    /// JSON (null for an empty body). Any other status throws api_failure().
    boost::json::value call(http::verb method, const std::string& target,
                            const std::optional<boost::json::value>& body = std::nullopt,
                            std::initializer_list<unsigned> ok = {200});

    /// api_failure() for an answer to a request of this client.
    ctl_error api_failure(http::verb method, const std::string& target, const response& r) const;

    /// The body as JSON; throws ctl_error (exit_failed) saying the daemon's answer was not JSON.
    boost::json::value parse(http::verb method, const std::string& target, const response& r) const;

    const connection_settings& settings() const { return settings_; }

  private:
    connection_settings settings_;
    std::ostream* log_;
    net::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

}  // namespace regcenter::ctl
