// What every part of a running center shares: options, tokens, the registry, the I/O context,
// and the sweep that enforces auth timeouts, heartbeats and stream stalls.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "center_metrics.hpp"
#include "center_options.hpp"
#include "deadline_queue.hpp"
#include "event_log.hpp"
#include "job_store.hpp"
#include "master_info.hpp"
#include "memory_release.hpp"
#include "regcenter/common/net.hpp"
#include "registry.hpp"
#include "service_index.hpp"
#include "service_subscriptions.hpp"
#include "token_store.hpp"

namespace regcenter {

/// Long-lived operator connections that stop() closes with 1001.
enum class watcher_kind {
    event_watcher,  ///< GET /v1/events
    call_session,   ///< GET /v1/calls
};

class center_state {
  public:
    explicit center_state(center_options options);

    const center_options& options() const { return options_; }
    net::io_context& io() { return ioc_; }
    registry& sessions() { return registry_; }
    token_store& tokens() { return tokens_; }
    job_store& jobs() { return jobs_; }
    service_index& services() { return services_; }
    service_subscriptions& subscriptions() { return subscriptions_; }
    event_log& events() { return events_; }
    audit_log& audit() { return audit_; }
    center_metrics& metrics() { return metrics_; }
    memory_release& memory() { return memory_; }

    std::string admin_token() const;
    void set_admin_token(std::string token);
    /// Who a request with the admin token is in the audit log and the jobs it starts:
    /// "admin:" and the token's fingerprint, computed when the token is set.
    std::string admin_caller() const;

    /// Authenticated sessions, ordered by connection time then id.
    std::vector<master_info> master_list() const;
    /// The same sessions in the same order, without copying what operators see of each (a
    /// fan-out's plan reads only ids, names, labels and actions).
    std::vector<std::shared_ptr<master_session>> masters_in_order() const;

    /// Closes one authenticated session with 4001 (kicked); false if there is no such session.
    bool kick(const std::string& id);

    /// False once shutdown began: new connections are turned away.
    bool accepting() const { return accepting_.load(); }
    void stop_accepting() { accepting_.store(false); }

    /// Operator stream sessions (admin_stream) count themselves in and out, so that stop() can
    /// let them deliver their last message and close before the I/O threads end.
    void operator_stream_started();
    void operator_stream_ended();
    /// True once no operator stream is left, or false after `timeout`.
    bool wait_operator_streams_ended(std::chrono::milliseconds timeout);

    /// Event watchers (admin_events) register how to close them, so that stop() can close
    /// them with 1001 and wait until they are gone. `close` is called at most once, on the
    /// stopping thread, and must only post to the watcher's strand. nullopt once
    /// close_watchers() ran: the watcher must close at once.
    /// Call sessions (admin_calls) register the same way, but are not event watchers.
    std::optional<std::uint64_t> watcher_started(std::function<void()> close,
                                                 watcher_kind kind = watcher_kind::event_watcher);
    void watcher_ended(std::uint64_t id);
    /// Closes every watcher, and every one that starts from now on.
    void close_watchers();
    /// True once no watcher (of either kind) is left, or false after `timeout`.
    bool wait_watchers_ended(std::chrono::milliseconds timeout);
    /// Event watchers connected now.
    std::size_t watchers() const;
    /// Call sessions (GET /v1/calls) connected now.
    std::size_t call_sessions() const;

    /// A new connection: registers it and schedules its first check, the auth deadline.
    void add_connection(const std::shared_ptr<master_session>& session);

    /// The session just authenticated: from now on the sweep pings it after each
    /// heartbeat.interval of silence and evicts it after heartbeat.timeout.
    void start_heartbeat(const std::shared_ptr<master_session>& session);

    /// Has the sweep check `session`'s streams for stalls one period from now. Called on the
    /// session's strand, which keeps at most one such check pending (master_session).
    void schedule_stall_check(const std::shared_ptr<master_session>& session);

    /// Starts the periodic sweep (auth deadlines, pings, evictions, stalled streams). Each run
    /// looks only at the connections whose next deadline has come (deadline_queue.hpp).
    void start_sweep();
    void stop_sweep();

    /// How often the sweep runs: a quarter of the shortest deadline it enforces, within
    /// [5 ms, 1 s], so deadlines are met to within a quarter of themselves.
    std::chrono::steady_clock::duration sweep_period() const;

  private:
    void schedule_sweep();
    /// Handles the entries due at `now`, a batch at a time.
    void sweep(deadline_queue::clock::time_point now);
    /// Closes a connection that did not authenticate within auth.timeout.
    void check_auth(const std::shared_ptr<master_session>& session,
                    deadline_queue::clock::time_point now);
    /// Pings a session silent for heartbeat.interval, evicts one silent for heartbeat.timeout,
    /// and schedules its next check unless it is ending.
    void check_heartbeat(const std::shared_ptr<master_session>& session,
                         deadline_queue::clock::time_point now);

    /// The job store's observer: counts jobs, publishes their events and audits finished ones.
    void on_job_change(const char* type, const job_record& job);

    center_options options_;
    // Early, so it outlives everything that counts into it.
    center_metrics metrics_{*this};
    token_store tokens_;
    mutable std::mutex admin_token_mutex_;
    std::string admin_token_;
    std::string admin_caller_;
    std::atomic<bool> accepting_{true};
    std::atomic<bool> sweeping_{false};
    std::mutex operator_streams_mutex_;
    std::condition_variable operator_streams_ended_;
    std::size_t operator_streams_ = 0;
    mutable std::mutex watchers_mutex_;
    std::condition_variable watchers_ended_;
    std::size_t watchers_of(watcher_kind kind) const;
    struct watcher {
        std::function<void()> close;
        watcher_kind kind;
    };
    std::map<std::uint64_t, watcher> watchers_;
    std::uint64_t next_watcher_ = 1;
    bool watchers_closed_ = false;
    registry registry_;
    deadline_queue deadlines_;
    std::vector<deadline_queue::entry> due_;  // the sweep's batch, reused (sweep thread only)
    event_log events_;                        // before jobs_, whose observer publishes into it
    audit_log audit_;                         // before jobs_, whose observer audits finished jobs
    job_store jobs_;
    service_index services_;
    service_subscriptions subscriptions_;
    // Declared last so it is destroyed first: handlers it still holds may own sessions whose
    // destructors use the registry above.
    // A hint of 1 tells Asio that one thread runs it (the default), so handlers it posts from
    // that thread skip the scheduler's lock.
    net::io_context ioc_{options_.threads <= 1 ? 1 : BOOST_ASIO_CONCURRENCY_HINT_DEFAULT};
    std::unique_ptr<net::steady_timer> sweep_timer_;
    memory_release memory_{ioc_};  // after ioc_: its timer goes before the context
};

}  // namespace regcenter
