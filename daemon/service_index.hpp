// Every registered service instance, indexed by service name and by session, so that a query
// for one service touches only that service's instances, never every session.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "regcenter/proto/service.hpp"

namespace regcenter {

/// One service as registered by one session, with what queries show about its master: what
/// discovery sends (proto::service_instance) and when it was registered.
struct indexed_instance : proto::service_instance {
    std::chrono::system_clock::time_point registered_at;
};

/// What a query keeps: every given metadata and label pair must match exactly.
struct instance_filter {
    proto::label_map metadata;
    proto::label_map labels;
    bool matches(const indexed_instance& i) const;
};

/// Thread-safe (one mutex; every operation is a few map lookups, queries copy their result).
class service_index {
  public:
    /// The master a registration belongs to.
    struct owner {
        std::string id;
        std::string name;
        std::string remote;
        proto::label_map labels;
    };

    enum class put_result { added, replaced, too_many };

    /// Adds or replaces `service` for `master`; too_many when the session already has
    /// proto::service_limits::max_services others.
    /// `stored`, when given, receives a copy of the instance as now indexed (for notifications).
    put_result put(const owner& master, proto::service_info service,
                   indexed_instance* stored = nullptr);

    /// Removes one service of a session; false if it had none by that name.
    bool remove(const std::string& master_id, const std::string& name);

    /// Removes every service of a session (it closed, left, was kicked or evicted); returns
    /// their names.
    std::vector<std::string> remove_all(const std::string& master_id);

    /// Every service name with its number of instances, sorted by name.
    std::vector<std::pair<std::string, std::size_t>> names() const;

    /// The instances of one service that pass `filter`, ordered by master id.
    std::vector<indexed_instance> instances(const std::string& name,
                                            const instance_filter& filter = {}) const;

    /// The services of one session, sorted by name.
    std::vector<proto::service_info> of_master(const std::string& master_id) const;

    std::size_t instance_count() const;

  private:
    mutable std::mutex mutex_;
    // service name → master id → instance; master id → its service names.
    std::unordered_map<std::string, std::map<std::string, indexed_instance>> by_name_;
    std::unordered_map<std::string, std::map<std::string, std::chrono::system_clock::time_point>>
        by_master_;
    std::size_t instances_ = 0;
};

}  // namespace regcenter
