#include "service_manager.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>

#include "logging.hpp"

namespace regcenter {
namespace {

// Without a watchdog the status line is still refreshed, this often.
constexpr std::chrono::seconds status_period{5};

}  // namespace

activated_sockets take_activated_sockets() {
    char** names = nullptr;
    const int count = sd_listen_fds_with_names(1, &names);
    activated_sockets out;
    if (count <= 0) {
        return out;  // not socket-activated (or LISTEN_PID is another process's)
    }
    std::vector<std::pair<int, std::string>> sockets;
    for (int i = 0; i < count; ++i) {
        sockets.emplace_back(SD_LISTEN_FDS_START + i, names != nullptr && names[i] != nullptr
                                                          ? std::string(names[i])
                                                          : std::string());
        std::free(names != nullptr ? names[i] : nullptr);
    }
    std::free(names);
    if (count > 2) {
        throw std::runtime_error("socket activation passed " + std::to_string(count) +
                                 " sockets; regcenterd takes two: masters, then the admin API");
    }
    // Named FileDescriptorName=masters / admin, or else in order (one .socket unit with two
    // ListenStream= lines names both after itself): masters first, the admin API second.
    for (const auto& [fd, name] : sockets) {
        if (name == "masters") {
            out.masters = fd;
        } else if (name == "admin") {
            out.admin = fd;
        }
    }
    for (const auto& [fd, name] : sockets) {
        if (name == "masters" || name == "admin") {
            continue;
        }
        (out.masters ? out.admin : out.masters) = fd;
    }
    logging::notice("using sockets passed by the service manager",
                    {{"MASTERS_SOCKET", out.masters ? "passed" : "bound from listen"},
                     {"ADMIN_SOCKET", out.admin ? "passed" : "bound from admin.listen"}});
    return out;
}

service_manager::service_manager(net::io_context& ioc) : timer_(ioc) {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        watchdog_ = std::chrono::microseconds(usec);
    }
}

void service_manager::notify(const std::string& state) {
    // A failure (the manager went away) must not take the daemon down: it is logged, once per
    // kind of message at most being good enough for the journal.
    if (const int rc = sd_notify(0, state.c_str()); rc < 0) {
        logging::warning("cannot notify the service manager",
                         {{"ERROR", std::system_category().message(-rc)}});
    }
}

void service_manager::ready(const std::string& status) {
    last_status_ = status;
    notify("READY=1\nSTATUS=" + status);
}

void service_manager::reloading() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const std::uint64_t usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000 +
                               static_cast<std::uint64_t>(now.tv_nsec) / 1000;
    // MONOTONIC_USEC lets systemd 253+ (Type=notify-reload) match this to its reload request.
    notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void service_manager::reloaded() {
    notify("READY=1");
}

void service_manager::stopping() {
    stopped_ = true;
    timer_.cancel();
    notify("STOPPING=1\nSTATUS=shutting down");
}

void service_manager::keep_alive(std::function<std::string()> status) {
    status_ = std::move(status);
    schedule();
}

void service_manager::schedule() {
    if (stopped_) {
        return;
    }
    const auto period =
        watchdog_.count() > 0
            ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(watchdog_ / 2)
            : std::chrono::steady_clock::duration(status_period);
    timer_.expires_after(period);
    timer_.async_wait([this](beast::error_code ec) {
        if (ec || stopped_) {
            return;
        }
        std::string state;
        if (watchdog_.count() > 0) {
            state = "WATCHDOG=1";
        }
        if (status_) {
            std::string now = status_();
            if (now != last_status_) {
                state += state.empty() ? "STATUS=" : "\nSTATUS=";
                state += now;
                last_status_ = std::move(now);
            }
        }
        if (!state.empty()) {
            notify(state);
        }
        schedule();
    });
}

}  // namespace regcenter
