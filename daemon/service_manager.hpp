// The daemon's side of systemd's service protocol (libsystemd): readiness, reload and stop
// notifications, the watchdog and a live status line (sd_notify), and the listening sockets of
// socket activation (sd_listen_fds). Outside systemd (no NOTIFY_SOCKET, no LISTEN_FDS) every
// call does nothing, so the daemon runs the same with or without it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "regcenter/common/net.hpp"

namespace regcenter {

/// Listening sockets systemd passed to the daemon.
struct activated_sockets {
    std::optional<int> masters;
    std::optional<int> admin;
};

/// Takes the sockets of socket activation (LISTEN_FDS for this process), matched by their
/// FileDescriptorName= ("masters", "admin"), or by order when unnamed; unsets the variables so
/// children don't inherit them. Throws std::runtime_error for sockets it can't place, saying
/// how to fix the .socket unit.
activated_sockets take_activated_sockets();

class service_manager {
  public:
    /// Timers run on `ioc`, which must be run by the caller (the daemon's signal loop).
    explicit service_manager(net::io_context& ioc);

    /// READY=1 with a first STATUS=; call once both listeners are bound.
    void ready(const std::string& status);
    /// RELOADING=1 before a SIGHUP reload, READY=1 after it.
    void reloading();
    void reloaded();
    /// STOPPING=1; also stops the keep-alive timer so the caller's loop can end.
    void stopping();

    /// Sends WATCHDOG=1 at half the interval systemd asks for (WATCHDOG_USEC) and, on the same
    /// beat (every 5 s without a watchdog), STATUS= from `status` when it changed.
    void keep_alive(std::function<std::string()> status);

    /// The watchdog interval systemd asked for; zero when there is none.
    std::chrono::microseconds watchdog_interval() const { return watchdog_; }

  private:
    void notify(const std::string& state);
    void schedule();

    net::steady_timer timer_;
    std::chrono::microseconds watchdog_{0};
    std::function<std::string()> status_;
    std::string last_status_;
    bool stopped_ = false;
};

}  // namespace regcenter
