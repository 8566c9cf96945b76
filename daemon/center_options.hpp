// Settings of an in-process center: what the daemon's configuration turns into.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "regcenter/common/units.hpp"

namespace regcenter {

/// Every field has the default the daemon documents; zero-length durations are not allowed.
struct center_options {
    /// Where masters connect ("host:port"); port 0 picks a free port (see center::master_endpoint).
    std::string listen = "127.0.0.1:8010";

    /// Where the HTTP admin API listens; port 0 picks a free port.
    std::string admin_listen = "127.0.0.1:8011";

    /// Bearer token for the admin API. Empty refuses every admin request except /healthz.
    std::string admin_token;

    /// Tokens masters may authenticate with. Empty means no master can authenticate.
    std::vector<std::string> auth_tokens;

    /// Time from TCP accept to a successful auth before the center closes with 1008.
    duration auth_timeout = std::chrono::seconds(10);

    /// Failed auth attempts on one connection before the center closes it with 1008.
    unsigned auth_max_failures = 3;

    /// A session that sent nothing for this long is pinged.
    duration heartbeat_interval = std::chrono::seconds(20);

    /// A session that sent nothing for this long is evicted ("heartbeat timeout").
    duration heartbeat_timeout = std::chrono::seconds(40);

    /// Largest WebSocket message accepted from a master; larger ones close with 1009.
    std::size_t max_message = 1024 * 1024;

    /// Bytes a session may have queued for sending before the center gives up on it and closes
    /// it with 1013: a peer that stops reading must not grow the center's memory without bound.
    std::size_t max_write_queue = 16 * 1024 * 1024;

    /// Largest admin request body.
    std::size_t max_admin_body = 1024 * 1024;

    /// A stream whose reader takes nothing for this long while data waits for it (the master
    /// grants no credit, or an operator does not read) fails with "stalled", naming the session
    /// and the stream, so a stuck peer releases its buffers.
    duration stream_stall_timeout = std::chrono::seconds(60);

    /// Finished jobs kept in memory for GET /v1/jobs, oldest dropped first (running jobs are
    /// always kept). See docs/actions.md, "Jobs".
    unsigned job_history = 1000;

    /// Threads running the center's io_context. One is enough for tens of thousands of sessions.
    unsigned threads = 1;
};

}  // namespace regcenter
