// Masters' subscriptions to services (proto-spec/services.md section 6): who watches which
// service with which filters, and the fan-out of each registration or removal to them.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "regcenter/proto/messages.hpp"

namespace regcenter {

class master_session;

/// Thread-safe. A change is encoded once and the same frame is queued on every subscriber it
/// concerns; the lock covers only the lookup, never a send.
///
/// Order: a session applies a change to the service index and then calls notify_* on its own
/// strand, and a subscriber adds itself and then reads its snapshot on its own strand. So a
/// change either is in the snapshot or reaches the subscriber after it (possibly both: updates
/// are idempotent upserts and removals), and one master's changes arrive in the order made.
class service_subscriptions {
  public:
    enum class add_result { added, replaced, too_many };

    /// Subscribes `session` to `query.service` with `query`'s filters, replacing its earlier
    /// subscription to that service; too_many beyond service_limits::max_subscriptions.
    add_result add(const std::shared_ptr<master_session>& session, proto::service_query query);

    /// Ends one subscription; false if there was none.
    bool remove(const std::string& session_id, const std::string& service);

    /// Ends every subscription of a session (it ended).
    void remove_all(const std::string& session_id);

    /// `instance` was registered or (`replaced`) replaced: "registered" to the subscribers it
    /// matches; after a replacement, "removed" with reason "unmatched" to the others, whose
    /// filters the earlier version may have matched.
    void notify_registered(const proto::service_instance& instance, bool replaced);

    /// The instance of `service` hosted by `master` is gone, for `reason`.
    void notify_removed(const std::string& service, const std::string& master,
                        const std::string& reason);

    /// Subscriptions in all, for metrics and tests.
    std::size_t size() const;

  private:
    struct subscriber {
        std::weak_ptr<master_session> session;
        proto::label_map metadata;
        proto::label_map labels;
    };

    mutable std::mutex mutex_;
    // service name → session id → subscriber; session id → its services.
    std::unordered_map<std::string, std::map<std::string, subscriber>> by_service_;
    std::unordered_map<std::string, std::set<std::string>> by_session_;
    std::size_t size_ = 0;
};

}  // namespace regcenter
