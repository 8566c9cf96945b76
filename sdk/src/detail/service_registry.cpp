// The services a master hosts (see service_registry.hpp).
#include "service_registry.hpp"

#include <stdexcept>
#include <utility>

namespace regcenter::detail {

bool service_registry::put(proto::service_info service) {
    // The wire form through the center's own validator: what passes here passes there.
    const proto::parsed_service parsed = proto::parse_service(proto::to_json(service));
    if (parsed.problem) {
        const std::string& name = service.name;
        throw std::invalid_argument("regcenter::master: invalid service" +
                                    (name.empty() || name.size() > proto::service_limits::max_name
                                         ? std::string()
                                         : " \"" + name + "\"") +
                                    " (" + parsed.problem->code + "): " + parsed.problem->message);
    }

    std::lock_guard lock(mutex_);
    auto it = services_.find(service.name);
    if (it == services_.end()) {
        if (services_.size() >= proto::service_limits::max_services) {
            throw std::length_error("regcenter::master: more than " +
                                    std::to_string(proto::service_limits::max_services) +
                                    " services");
        }
        std::string name = service.name;
        services_.emplace(std::move(name), std::move(service));
        return true;
    }
    if (it->second == service) {
        return false;
    }
    it->second = std::move(service);
    return true;
}

bool service_registry::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    return services_.erase(name) > 0;
}

std::vector<proto::service_info> service_registry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<proto::service_info> out;
    out.reserve(services_.size());
    for (const auto& [name, s] : services_) {
        out.push_back(s);
    }
    return out;
}

}  // namespace regcenter::detail
