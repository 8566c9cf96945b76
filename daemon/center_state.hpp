// What every part of a running center shares: options, tokens, the registry, the I/O context,
// and the sweep that enforces auth timeouts and heartbeats.
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

#include "audit_log.hpp"
#include "center_metrics.hpp"
#include "center_options.hpp"
#include "event_log.hpp"
#include "job_store.hpp"
#include "master_info.hpp"
#include "regcenter/common/net.hpp"
#include "registry.hpp"
#include "service_index.hpp"
#include "service_subscriptions.hpp"
#include "token_store.hpp"

namespace regcenter {

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

    std::string admin_token() const;
    void set_admin_token(std::string token);

    /// Authenticated sessions, ordered by connection time then id.
    std::vector<master_info> master_list() const;

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
    std::optional<std::uint64_t> watcher_started(std::function<void()> close);
    void watcher_ended(std::uint64_t id);
    /// Closes every watcher, and every one that starts from now on.
    void close_watchers();
    /// True once no watcher is left, or false after `timeout`.
    bool wait_watchers_ended(std::chrono::milliseconds timeout);
    std::size_t watchers() const;

    /// Starts the periodic sweep over all connections (auth deadline, pings, evictions).
    void start_sweep();
    void stop_sweep();

    /// How often the sweep runs: a quarter of the shortest deadline it enforces, within
    /// [5 ms, 1 s], so deadlines are met to within a quarter of themselves.
    std::chrono::steady_clock::duration sweep_period() const;

  private:
    void schedule_sweep();
    void sweep();

    center_options options_;
    // Early, so it outlives everything that counts into it.
    center_metrics metrics_{*this};
    token_store tokens_;
    mutable std::mutex admin_token_mutex_;
    std::string admin_token_;
    std::atomic<bool> accepting_{true};
    std::atomic<bool> sweeping_{false};
    std::mutex operator_streams_mutex_;
    std::condition_variable operator_streams_ended_;
    std::size_t operator_streams_ = 0;
    mutable std::mutex watchers_mutex_;
    std::condition_variable watchers_ended_;
    std::map<std::uint64_t, std::function<void()>> watchers_;
    std::uint64_t next_watcher_ = 1;
    bool watchers_closed_ = false;
    registry registry_;
    event_log events_;  // before jobs_, whose observer publishes into it
    audit_log audit_;   // before jobs_, whose observer audits finished jobs
    job_store jobs_;
    service_index services_;
    service_subscriptions subscriptions_;
    // Declared last so it is destroyed first: handlers it still holds may own sessions whose
    // destructors use the registry above.
    net::io_context ioc_;
    std::unique_ptr<net::steady_timer> sweep_timer_;
};

}  // namespace regcenter
