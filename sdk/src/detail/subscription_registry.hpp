// The master's subscriptions to services (master::subscribe) and what each center reported for
// them, so that every handler sees one live list of peers.
//
// Every authenticated center link subscribes to each subscribed service and keeps its own view
// (the snapshot, then the updates). Handlers see one center's view: the first center, by
// address, whose snapshot has arrived. Views of different centers are not merged, because one
// master has a different session id on each center; when the chosen center goes, the next one's
// view takes over at once, without waiting for a new snapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "regcenter/proto/messages.hpp"
#include "regcenter/service.hpp"

namespace regcenter::detail {

/// Thread-safe: the application subscribes on any thread while links apply updates.
class subscription_registry {
  public:
    using handler = std::function<void(const std::vector<service_instance>&)>;
    /// Handlers to call (outside the lock, on the master's event strand) with their lists.
    using deliveries = std::vector<std::pair<handler, std::vector<service_instance>>>;

    /// Adds a subscription; returns its id. If a center already reported the service, `out`
    /// gets the new handler's first list.
    std::uint64_t add(std::string service, service_filter filter, handler h, deliveries& out);

    /// Ends a subscription; false if there is none with that id.
    bool remove(std::uint64_t id);

    /// The services with at least one subscription: what every link subscribes to.
    std::set<std::string> services() const;

    /// A center's service-update: updates its view, and returns the handlers to call if the
    /// list they see changed.
    deliveries apply(const std::string& center, const proto::service_update& update);

    /// A center's session ended (or it stopped watching `service`): its views are dropped, and
    /// where it was the one handlers saw, the next center's view takes over.
    deliveries center_lost(const std::string& center);
    deliveries drop(const std::string& center, const std::string& service);

  private:
    struct subscription {
        std::string service;
        service_filter filter;
        handler on_change;
    };
    struct view {
        bool complete = false;  // the snapshot has arrived
        std::map<std::string, service_instance> by_master;
    };
    struct watched {
        std::map<std::string, view> by_center;
        std::string source;  // the center whose view handlers saw last; empty: none yet
    };

    // Recomputes the source of `service`; when it or its view changed (`changed` is the center
    // whose view just changed), the subscriptions' new lists.
    deliveries refresh(const std::string& service, watched& w, const std::string& changed);
    std::vector<service_instance> filtered(const view& v, const service_filter& filter) const;

    mutable std::mutex mutex_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, subscription> subscriptions_;
    std::map<std::string, watched> services_;
};

}  // namespace regcenter::detail
