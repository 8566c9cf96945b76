// A snapshot of one authenticated master, as the registry and the admin API show it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "regcenter/proto/messages.hpp"

namespace regcenter {

struct master_info {
    std::string id;  ///< session id, 32 lowercase hex digits
    std::string name;
    proto::label_map labels;
    std::string remote;  ///< "ip:port" of the master's socket
    std::chrono::system_clock::time_point connected_at;
    std::chrono::system_clock::time_point authenticated_at;
    std::chrono::system_clock::time_point last_seen_at;  ///< last frame of any kind, pongs too
    std::vector<proto::action_info> actions;             ///< as last advertised by the master
};

}  // namespace regcenter
