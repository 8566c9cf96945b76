// The services a master hosts (proto-spec/services.md), kept locally so that every center link
// can register them in auth and again after every reconnect.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "regcenter/proto/service.hpp"

namespace regcenter::detail {

/// Thread-safe: register_service()/remove_service() may run on any thread while links read.
class service_registry {
  public:
    /// Adds or replaces a service. Throws std::invalid_argument for a service the center would
    /// refuse (proto::parse_service's rules, its message included) and std::length_error when
    /// proto::service_limits::max_services others exist. Returns true if the set changed.
    bool put(proto::service_info service);

    /// Removes a service; false if there was none by that name.
    bool remove(const std::string& name);

    /// Every service, sorted by name.
    std::vector<proto::service_info> snapshot() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, proto::service_info, std::less<>> services_;
};

}  // namespace regcenter::detail
