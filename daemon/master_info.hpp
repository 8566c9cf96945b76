// A snapshot of one authenticated master, as the registry and the admin API show it.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "regcenter/proto/messages.hpp"

namespace regcenter {

/// The actions a master advertised. Shared, never copied: a snapshot of every master (a
/// fan-out's plan, GET /v1/masters) would otherwise copy every action's schema.
using action_list = std::shared_ptr<const std::vector<proto::action_info>>;

/// Whether `actions` (null: none advertised yet) has one named `action`.
inline bool offers(const action_list& actions, std::string_view action) {
    return actions && std::any_of(actions->begin(), actions->end(),
                                  [&](const proto::action_info& a) { return a.name == action; });
}

struct master_info {
    std::string id;  ///< session id, 32 lowercase hex digits
    std::string name;
    proto::label_map labels;
    std::string remote;  ///< "ip:port" of the master's socket
    std::chrono::system_clock::time_point connected_at;
    std::chrono::system_clock::time_point authenticated_at;
    std::chrono::system_clock::time_point last_seen_at;  ///< last frame of any kind, pongs too
    action_list actions;  ///< as last advertised by the master; null before it advertised

    /// Whether the master advertised `action`.
    bool offers(std::string_view action) const { return regcenter::offers(actions, action); }
};

}  // namespace regcenter
