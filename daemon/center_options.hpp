// Settings of an in-process center: what the daemon's configuration turns into.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
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

    /// Listening sockets handed over by the service manager (socket activation); when set they
    /// are used instead of binding `listen` / `admin_listen`. Not configuration: set by main().
    std::optional<int> master_socket = std::nullopt;
    std::optional<int> admin_socket = std::nullopt;

    /// Bearer token for the admin API. Empty refuses every admin request except /healthz.
    std::string admin_token;

    /// GET /metrics answers without the admin token, for a Prometheus that has none.
    bool admin_metrics_public = false;

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

    /// Events kept for watchers that resume with ?since= (docs/events.md); a watcher whose
    /// index has left this history is told to re-list.
    unsigned event_history = 10'000;

    /// Events one watcher may have waiting to be written; a watcher further behind is cut with
    /// "lagged" and resumes with ?since=, so a stuck watcher holds at most this much.
    unsigned event_watcher_queue = 1024;

    /// The same bound in bytes of event JSON (not a config key: events are small, so the count
    /// is what an operator tunes; this only caps unusually large events).
    std::size_t event_watcher_queue_bytes = 4 * 1024 * 1024;

    /// An SSE watcher that was sent nothing for this long gets a ": keep-alive" comment, so that
    /// proxies don't close the quiet connection (not a config key; tests shorten it).
    duration event_keep_alive = std::chrono::seconds(15);

    /// On shutdown, each master that understands it is told to come back after a random delay
    /// within this window ({"cmd":"going-away"}) before its session closes, so a restart does
    /// not bring the whole fleet back in one burst. Zero sends no hint.
    duration shutdown_reconnect_window = std::chrono::seconds(10);

    /// The other centers of the cluster as ws:// URLs (docs/high-availability.md). Sent to every
    /// master after auth ({"cmd":"centers"}) so that it connects to each of them too. Centers
    /// share no state: each holds the sessions of every master.
    std::vector<std::string> cluster_peers = {};

    /// The audit log (docs/audit.md): one JSON line per admin change and per finished job is
    /// appended and fsynced here. Empty: no file (the entries still go to the log).
    std::string audit_file;
    /// Finished jobs a second whose audit entry is also copied into the log; the others go to
    /// the audit file only, and the log says how many it skipped. Keeps a center serving
    /// thousands of calls a second under journald's rate limit. 0: no job is copied.
    std::uint32_t audit_log_jobs_per_second = 100;

    /// Threads running the center's io_context. One is enough for tens of thousands of sessions.
    unsigned threads = 1;
};

}  // namespace regcenter
