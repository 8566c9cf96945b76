// The SDK's own error codes, in the style of Boost.MySQL's client_errc.
#pragma once

#include <boost/system/error_code.hpp>

namespace regcenter {

enum class master_errc {
    auth_failed = 1,    ///< the center answered auth-failed (wrong or missing token); retried
    auth_timeout,       ///< no answer to auth within master_config::auth_timeout; retried
    connect_timeout,    ///< TCP connect + WebSocket handshake exceeded connect_timeout
    heartbeat_timeout,  ///< nothing arrived for dead_after_heartbeats intervals; reconnects
    protocol_error,     ///< the center sent something that is not protocol v1
    retries_exhausted,  ///< retry_attempts consecutive failures; this center is given up
    center_error,       ///< the center sent {"cmd":"error"}; context holds its message
    invalid_url,        ///< connect(url) was given something that is not ws://host:port
    service_refused,    ///< the center refused a registered service; context names it and why
    not_connected,      ///< discover(): no center is authenticated, or it went away meanwhile
    request_timeout,    ///< discover(): no answer within master_config::request_timeout
    query_refused,      ///< discover()/subscribe(): the center refused the query (a bad name)
};

const boost::system::error_category& master_category() noexcept;

inline boost::system::error_code make_error_code(master_errc e) noexcept {
    return {static_cast<int>(e), master_category()};
}

/// True for errors a reconnect can't fix, so the SDK stops retrying.
bool is_fatal(boost::system::error_code ec) noexcept;

}  // namespace regcenter

template <>
struct boost::system::is_error_code_enum<regcenter::master_errc> : std::true_type {};
