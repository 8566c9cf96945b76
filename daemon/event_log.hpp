// Every registry change as an event with a monotonically increasing index, kept in a bounded
// history so that a watcher that reconnects with `since` misses nothing, or learns that it must
// re-list.
#pragma once

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
}  // namespace event_type

struct event {
    std::uint64_t index = 0;  ///< 1, 2, 3, … for the life of the center
    std::string type;
    std::chrono::system_clock::time_point at;
    boost::json::object data;  ///< master, name, service, reason, job, … by type
    std::string json;          ///< the whole event serialized once, shared by every watcher
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
    explicit event_log(std::size_t history = 10'000) : history_(history) {}

    /// Records an event and hands it to every subscriber; returns its index.
    std::uint64_t publish(std::string type, boost::json::object data);

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

    std::size_t history() const { return history_; }

  private:
    std::optional<std::vector<event_ptr>> since_locked(std::uint64_t index,
                                                       const event_filter& filter) const;

    const std::size_t history_;
    mutable std::mutex mutex_;
    std::deque<event_ptr> events_;
    std::uint64_t next_index_ = 1;
    std::uint64_t next_subscriber_ = 1;
    std::vector<std::pair<std::uint64_t, listener>> subscribers_;
};

}  // namespace regcenter
