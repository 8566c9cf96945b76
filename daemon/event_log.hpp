// Every registry change as an event with a monotonically increasing index, kept in a bounded
// history so that a watcher that reconnects with `since` misses nothing, or learns that it must
// re-list.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace regcenter {

/// Event types (docs/events.md).
namespace event_type {
inline constexpr const char* master_authenticated = "master-authenticated";
inline constexpr const char* master_disconnected = "master-disconnected";
inline constexpr const char* service_registered = "service-registered";
inline constexpr const char* service_removed = "service-removed";
inline constexpr const char* tokens_changed = "tokens-changed";
inline constexpr const char* job_started = "job-started";
inline constexpr const char* job_finished = "job-finished";
/// Every type, for validating a watcher's type filter.
inline constexpr std::array<const char*, 7> all = {
    master_authenticated, master_disconnected, service_registered, service_removed,
    tokens_changed,       job_started,         job_finished};
}  // namespace event_type

/// Makes an event's data when it is first needed.
using event_data_builder = std::function<boost::json::object()>;

struct event {
    std::uint64_t index = 0;  ///< 1, 2, 3, … for the life of the center
    std::string type;
    std::chrono::system_clock::time_point at;

    /// The event's own members: master, name, service, reason, job, … by type. Built at first
    /// use for an event published with a builder (job events: most are never watched).
    /// Thread-safe.
    const boost::json::object& data() const;

    /// The whole event as JSON text, serialized once, at first use, and shared by every
    /// watcher; an event nobody watches (most job events) is never serialized. Thread-safe.
    const std::string& json() const;

  private:
    friend class event_log;
    mutable std::once_flag built_;
    mutable event_data_builder build_;
    mutable boost::json::object data_;
    mutable std::once_flag serialized_;
    mutable std::string json_;
};

using event_ptr = std::shared_ptr<const event>;

/// Which events a watcher wants: empty sets mean all.
struct event_filter {
    std::set<std::string> types;
    std::set<std::string> services;  ///< events about these services (others have none)
    bool matches(const event& e) const;
};

/// Thread-safe. Publishing is O(1) plus one call per subscriber, which must not block (it
/// should only queue the event for its own strand).
class event_log {
  public:
    explicit event_log(std::size_t history = 10'000);

    /// A random id of this log, i.e. of this run of the center: indexes start again from 1
    /// when the center restarts, so a watcher that finds another run after reconnecting knows
    /// that its index means nothing here and must re-list.
    const std::string& run() const { return run_; }

    /// Records an event and hands it to every subscriber; returns its index.
    std::uint64_t publish(std::string type, boost::json::object data);
    /// The same with data made only if someone reads it (a watcher, GET /v1/events).
    std::uint64_t publish_lazily(std::string type, event_data_builder build);

    /// The events after `index` that pass `filter`, oldest first; nullopt when events after
    /// `index` have already left the history (the caller must re-list, then watch from now).
    std::optional<std::vector<event_ptr>> since(std::uint64_t index,
                                                const event_filter& filter = {}) const;

    /// The index of the newest event (0 before the first).
    std::uint64_t last_index() const;

    /// The oldest index still in the history (last_index() + 1 when it is empty).
    std::uint64_t first_index() const;

    using listener = std::function<void(const event_ptr&)>;
    /// Calls `on_event` for every event published from now on, until unsubscribe(id). The
    /// backlog of `since` and the subscription are taken under one lock, so nothing falls
    /// between them: `backlog` gets the events after `index` (nullopt if too old).
    std::uint64_t subscribe(std::uint64_t index, std::optional<std::vector<event_ptr>>& backlog,
                            listener on_event);
    void unsubscribe(std::uint64_t id);
    std::size_t subscribers() const;

    /// What watch() found, all taken under the one lock that also subscribed.
    struct watch_start {
        std::uint64_t subscriber = 0;    ///< for unsubscribe(); 0 when nothing was subscribed
        std::uint64_t first_index = 0;   ///< the oldest index kept (last_index + 1 when empty)
        std::uint64_t last_index = 0;    ///< the newest index (0 before the first event)
        bool too_old = false;            ///< the history can't continue from `since`
        std::vector<event_ptr> backlog;  ///< the events after `since` that pass the filter
    };
    /// subscribe() for a watcher: without `since`, live events from now on; with it, first the
    /// backlog of events after `since` that pass `filter`. When the history no longer holds
    /// every event after `since`, or `since` is beyond the newest event (a client of an earlier
    /// run of the center), nothing is subscribed and too_old is set: the caller must re-list.
    /// `on_event` gets every event (the caller filters), under the log's lock.
    watch_start watch(std::optional<std::uint64_t> since, const event_filter& filter,
                      listener on_event);

    std::size_t history() const { return history_; }

  private:
    std::uint64_t publish(std::shared_ptr<event> e);
    std::optional<std::vector<event_ptr>> since_locked(std::uint64_t index,
                                                       const event_filter& filter) const;

    const std::size_t history_;
    const std::string run_;
    mutable std::mutex mutex_;
    std::deque<event_ptr> events_;
    std::uint64_t next_index_ = 1;
    std::uint64_t next_subscriber_ = 1;
    std::vector<std::pair<std::uint64_t, listener>> subscribers_;
};

}  // namespace regcenter
