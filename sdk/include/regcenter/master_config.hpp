// Settings of a regcenter::master: a plain struct whose fields all have documented defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "regcenter/proto/messages.hpp"

namespace regcenter {

/// Severity of an SDK log line; the values are syslog's, so they map straight onto journald.
enum class log_level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

struct master_config {
    /// Sent in {"cmd":"auth"}. Required by any center that has tokens configured (all of them).
    std::string token;

    /// The master's name as operators see it. Empty: the host name.
    std::string name;

    /// Labels operators select masters by, e.g. {"zone","eu-1"}.
    proto::label_map labels;

    /// Consecutive failed attempts (connect, handshake or auth) per center before the SDK gives
    /// up on that center and reports master_errc::retries_exhausted. Unlimited by default.
    std::size_t retry_attempts = std::numeric_limits<std::size_t>::max();

    /// Base delay before reconnecting. Attempt n waits a random time in [0, min(cap, delay * 2^n)]
    /// ("full jitter"), so a fleet that loses its center does not come back in one burst.
    std::chrono::milliseconds retry_delay{2000};

    /// Cap of the exponential backoff.
    std::chrono::milliseconds retry_delay_max{60000};

    /// Reconnect when an established session closes (center restart, eviction, lost link).
    /// Never after the center closed with 4001 (an operator kicked this master) or 1000 (a
    /// leave): those end the link until the application calls connect() again.
    bool reconnect_on_close = true;

    /// Limit for TCP connect plus WebSocket handshake.
    std::chrono::milliseconds connect_timeout{10000};

    /// Limit for the answer to {"cmd":"auth"}.
    std::chrono::milliseconds auth_timeout{10000};

    /// The link is considered dead when nothing at all arrives for this many heartbeat intervals
    /// (as announced by the center in auth-success), even if TCP reports nothing.
    double dead_after_heartbeats = 2.5;

    /// Largest message accepted from a center.
    std::size_t max_message = 1024 * 1024;

    /// Limit for the answer to discover().
    std::chrono::milliseconds request_timeout{10000};

    /// Connect to every center a center names in {"cmd":"centers"} (its cluster.peers), so a
    /// master joins the whole cluster from one address. The followed centers are kept like those
    /// given to connect(): reconnected with backoff until close().
    bool follow_centers = true;

    /// Time close() waits for each center to confirm the leave before closing the socket.
    std::chrono::milliseconds close_timeout{2000};

    /// Lines below this level are not passed to `logger`.
    log_level min_log_level = log_level::info;

    /// Receives the SDK's log lines. Empty: lines are dropped. Called on the master's I/O thread.
    std::function<void(log_level, std::string_view)> logger;
};

}  // namespace regcenter
