// Opening a TCP connection to the admin API, with a deadline and errors naming the address.
#pragma once

#include <chrono>

#include "exit_codes.hpp"
#include "options.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter::ctl {

/// Resolves and connects `stream` (whose executor is `ioc`) to the admin address, running
/// `ioc` until done; nothing else may be pending on `ioc`. Throws ctl_error (exit_unreachable)
/// naming the address, where it came from and what to check.
void connect_admin(net::io_context& ioc, beast::tcp_stream& stream,
                   const connection_settings& settings, std::chrono::milliseconds timeout);

/// The error (exit_unreachable) for a 401 from the daemon; `server_message` is the daemon's
/// explanation.
ctl_error token_rejected(const connection_settings& settings, const std::string& server_message);

}  // namespace regcenter::ctl
