#include "service_index.hpp"

#include <algorithm>

namespace regcenter {
bool instance_filter::matches(const indexed_instance& i) const {
    return proto::includes(i.service.metadata, metadata) && proto::includes(i.labels, labels);
}

service_index::put_result service_index::put(const owner& master, proto::service_info service,
                                             indexed_instance* stored) {
    std::lock_guard lock(mutex_);
    auto& mine = by_master_[master.id];
    const bool replacing = mine.contains(service.name);
    if (!replacing && mine.size() >= proto::service_limits::max_services) {
        if (mine.empty()) {
            by_master_.erase(master.id);
        }
        return put_result::too_many;
    }
    const auto now = std::chrono::system_clock::now();
    mine[service.name] = now;
    indexed_instance instance{
        {master.id, master.name, master.remote, master.labels, std::move(service)}, now};
    auto& slot = by_name_[instance.service.name][master.id];
    slot = std::move(instance);
    if (stored != nullptr) {
        *stored = slot;
    }
    if (!replacing) {
        ++instances_;
    }
    return replacing ? put_result::replaced : put_result::added;
}

bool service_index::remove(const std::string& master_id, const std::string& name) {
    std::lock_guard lock(mutex_);
    auto mine = by_master_.find(master_id);
    if (mine == by_master_.end() || mine->second.erase(name) == 0) {
        return false;
    }
    if (mine->second.empty()) {
        by_master_.erase(mine);
    }
    auto service = by_name_.find(name);
    service->second.erase(master_id);
    if (service->second.empty()) {
        by_name_.erase(service);
    }
    --instances_;
    return true;
}

std::vector<std::string> service_index::remove_all(const std::string& master_id) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    auto mine = by_master_.find(master_id);
    if (mine == by_master_.end()) {
        return names;
    }
    for (const auto& [name, when] : mine->second) {
        auto service = by_name_.find(name);
        service->second.erase(master_id);
        if (service->second.empty()) {
            by_name_.erase(service);
        }
        names.push_back(name);
    }
    instances_ -= names.size();
    by_master_.erase(mine);
    return names;
}

std::vector<std::pair<std::string, std::size_t>> service_index::names() const {
    std::vector<std::pair<std::string, std::size_t>> out;
    {
        std::lock_guard lock(mutex_);
        out.reserve(by_name_.size());
        for (const auto& [name, instances] : by_name_) {
            out.emplace_back(name, instances.size());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<indexed_instance> service_index::instances(const std::string& name,
                                                       const instance_filter& filter) const {
    std::vector<indexed_instance> out;
    std::lock_guard lock(mutex_);
    auto service = by_name_.find(name);
    if (service == by_name_.end()) {
        return out;
    }
    for (const auto& [master, instance] : service->second) {
        if (filter.matches(instance)) {
            out.push_back(instance);
        }
    }
    return out;
}

std::vector<proto::service_info> service_index::of_master(const std::string& master_id) const {
    std::vector<proto::service_info> out;
    std::lock_guard lock(mutex_);
    auto mine = by_master_.find(master_id);
    if (mine == by_master_.end()) {
        return out;
    }
    for (const auto& [name, when] : mine->second) {
        out.push_back(by_name_.at(name).at(master_id).service);
    }
    return out;
}

std::size_t service_index::instance_count() const {
    std::lock_guard lock(mutex_);
    return instances_;
}

}  // namespace regcenter
