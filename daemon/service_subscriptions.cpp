#include "service_subscriptions.hpp"

#include <vector>

#include "master_session.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/service.hpp"

namespace regcenter {

service_subscriptions::add_result service_subscriptions::add(
    const std::shared_ptr<master_session>& session, proto::service_query query) {
    std::lock_guard lock(mutex_);
    auto& mine = by_session_[session->id()];
    const bool replacing = mine.contains(query.service);
    if (!replacing && mine.size() >= proto::service_limits::max_subscriptions) {
        if (mine.empty()) {
            by_session_.erase(session->id());
        }
        return add_result::too_many;
    }
    mine.insert(query.service);
    by_service_[query.service][session->id()] =
        subscriber{session, std::move(query.metadata), std::move(query.labels)};
    if (!replacing) {
        ++size_;
    }
    return replacing ? add_result::replaced : add_result::added;
}

bool service_subscriptions::remove(const std::string& session_id, const std::string& service) {
    std::lock_guard lock(mutex_);
    auto mine = by_session_.find(session_id);
    if (mine == by_session_.end() || mine->second.erase(service) == 0) {
        return false;
    }
    if (mine->second.empty()) {
        by_session_.erase(mine);
    }
    auto watched = by_service_.find(service);
    watched->second.erase(session_id);
    if (watched->second.empty()) {
        by_service_.erase(watched);
    }
    --size_;
    return true;
}

void service_subscriptions::remove_all(const std::string& session_id) {
    std::lock_guard lock(mutex_);
    auto mine = by_session_.find(session_id);
    if (mine == by_session_.end()) {
        return;
    }
    for (const auto& service : mine->second) {
        auto watched = by_service_.find(service);
        watched->second.erase(session_id);
        if (watched->second.empty()) {
            by_service_.erase(watched);
        }
    }
    size_ -= mine->second.size();
    by_session_.erase(mine);
}

void service_subscriptions::notify_registered(const proto::service_instance& instance,
                                              bool replaced) {
    std::vector<std::shared_ptr<master_session>> matched;
    std::vector<std::shared_ptr<master_session>> unmatched;
    {
        std::lock_guard lock(mutex_);
        auto watched = by_service_.find(instance.service.name);
        if (watched == by_service_.end()) {
            return;
        }
        for (const auto& [id, s] : watched->second) {
            if (auto session = s.session.lock()) {
                const bool match = proto::includes(instance.service.metadata, s.metadata) &&
                                   proto::includes(instance.labels, s.labels);
                if (match) {
                    matched.push_back(std::move(session));
                } else if (replaced) {
                    unmatched.push_back(std::move(session));
                }
            }
        }
    }
    if (!matched.empty()) {
        proto::service_update update{instance.service.name,
                                     std::string(proto::update_change::registered)};
        update.instances.push_back(instance);
        const auto frame = std::make_shared<const std::string>(proto::encode(update));
        for (const auto& session : matched) {
            session->send(frame);
        }
    }
    if (!unmatched.empty()) {
        proto::service_update update{instance.service.name,
                                     std::string(proto::update_change::removed)};
        update.master = instance.master;
        update.reason = proto::removal_reason::unmatched;
        const auto frame = std::make_shared<const std::string>(proto::encode(update));
        for (const auto& session : unmatched) {
            session->send(frame);
        }
    }
}

void service_subscriptions::notify_removed(const std::string& service, const std::string& master,
                                           const std::string& reason) {
    std::vector<std::shared_ptr<master_session>> targets;
    {
        std::lock_guard lock(mutex_);
        auto watched = by_service_.find(service);
        if (watched == by_service_.end()) {
            return;
        }
        for (const auto& [id, s] : watched->second) {
            if (auto session = s.session.lock()) {
                targets.push_back(std::move(session));
            }
        }
    }
    if (targets.empty()) {
        return;
    }
    proto::service_update update{service, std::string(proto::update_change::removed)};
    update.master = master;
    update.reason = reason;
    const auto frame = std::make_shared<const std::string>(proto::encode(update));
    for (const auto& session : targets) {
        session->send(frame);
    }
}

std::size_t service_subscriptions::size() const {
    std::lock_guard lock(mutex_);
    return size_;
}

}  // namespace regcenter
