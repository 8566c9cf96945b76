#include "subscription_registry.hpp"

#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/service.hpp"

namespace regcenter::detail {

std::uint64_t subscription_registry::add(std::string service, service_filter filter, handler h,
                                         deliveries& out) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    watched& w = services_[service];
    if (!w.source.empty()) {
        out.emplace_back(h, filtered(w.by_center.at(w.source), filter));
    }
    subscriptions_.emplace(id, subscription{std::move(service), std::move(filter), std::move(h)});
    return id;
}

bool subscription_registry::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) {
        return false;
    }
    const std::string service = it->second.service;
    subscriptions_.erase(it);
    for (const auto& [other, s] : subscriptions_) {
        if (s.service == service) {
            return true;
        }
    }
    services_.erase(service);  // the links unsubscribe; their late updates are ignored
    return true;
}

std::set<std::string> subscription_registry::services() const {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [name, w] : services_) {
        out.insert(name);
    }
    return out;
}

subscription_registry::deliveries subscription_registry::apply(
    const std::string& center, const proto::service_update& update) {
    std::lock_guard lock(mutex_);
    auto it = services_.find(update.service);
    if (it == services_.end()) {
        return {};  // unsubscribed meanwhile
    }
    watched& w = it->second;
    // A center that shuts down removes every instance on its way out; that says nothing about
    // the instances (they are coming back, or are on the other centers): the view just goes.
    if (update.change == proto::update_change::refused ||
        (update.change == proto::update_change::removed &&
         update.reason == proto::removal_reason::shutdown)) {
        w.by_center.erase(center);
        return refresh(update.service, w, center);
    }
    view& v = w.by_center[center];
    if (update.change == proto::update_change::snapshot) {
        v.complete = true;
        v.by_master.clear();
        for (const auto& i : update.instances) {
            v.by_master.insert_or_assign(i.master, i);
        }
    } else if (update.change == proto::update_change::registered) {
        for (const auto& i : update.instances) {
            v.by_master.insert_or_assign(i.master, i);
        }
    } else if (update.change == proto::update_change::removed) {
        v.by_master.erase(update.master);
    } else {
        return {};  // a change this SDK doesn't know: ignored, as the protocol allows
    }
    return refresh(update.service, w, center);
}

subscription_registry::deliveries subscription_registry::center_lost(const std::string& center) {
    std::lock_guard lock(mutex_);
    deliveries out;
    for (auto& [service, w] : services_) {
        if (w.by_center.erase(center) > 0) {
            auto more = refresh(service, w, center);
            out.insert(out.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
        }
    }
    return out;
}

subscription_registry::deliveries subscription_registry::drop(const std::string& center,
                                                              const std::string& service) {
    std::lock_guard lock(mutex_);
    auto it = services_.find(service);
    if (it == services_.end() || it->second.by_center.erase(center) == 0) {
        return {};
    }
    return refresh(service, it->second, center);
}

subscription_registry::deliveries subscription_registry::refresh(const std::string& service,
                                                                 watched& w,
                                                                 const std::string& changed) {
    std::string source;
    for (const auto& [center, v] : w.by_center) {
        if (v.complete) {
            source = center;
            break;
        }
    }
    const bool moved = source != w.source;
    w.source = source;
    // No complete view left: handlers keep the last list they saw until a center reports again.
    if (source.empty() || (!moved && source != changed)) {
        return {};
    }
    deliveries out;
    const view& v = w.by_center.at(source);
    for (const auto& [id, s] : subscriptions_) {
        if (s.service == service) {
            out.emplace_back(s.on_change, filtered(v, s.filter));
        }
    }
    return out;
}

std::vector<service_instance> subscription_registry::filtered(const view& v,
                                                              const service_filter& filter) const {
    const proto::service_query query{{}, filter.metadata, filter.labels};
    std::vector<service_instance> out;
    for (const auto& [master, i] : v.by_master) {
        if (proto::matches(query, i)) {
            out.push_back(i);
        }
    }
    return out;
}

}  // namespace regcenter::detail
