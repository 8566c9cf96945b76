// Registry bookkeeping; nothing here blocks on I/O or calls into a session.
#include "registry.hpp"

#include "disconnect_reason.hpp"

namespace regcenter {

std::string_view to_string(disconnect_reason r) {
    switch (r) {
        case disconnect_reason::closed:
            return "closed";
        case disconnect_reason::left:
            return "left";
        case disconnect_reason::heartbeat_timeout:
            return "heartbeat timeout";
        case disconnect_reason::kicked:
            return "kicked";
        case disconnect_reason::shutdown:
            return "shutdown";
        case disconnect_reason::auth_timeout:
            return "authentication timeout";
        case disconnect_reason::auth_failures:
            return "too many authentication failures";
        case disconnect_reason::protocol_error:
            return "protocol error";
        case disconnect_reason::slow_consumer:
            return "slow consumer";
    }
    return "unknown";
}

void registry::add_connection(session_ptr session) {
    std::lock_guard lock(mutex_);
    const master_session* key = session.get();
    connections_.emplace(key, std::move(session));
}

void registry::remove_connection(const master_session* session, const std::string& id) {
    session_ptr removed;  // released after the lock, in case it is the last reference
    std::lock_guard lock(mutex_);
    auto it = connections_.find(session);
    if (it == connections_.end()) {
        return;
    }
    removed = std::move(it->second);
    connections_.erase(it);
    // By id, not by scanning: a restart storm disconnects every session at once.
    if (auto master = masters_.find(id); master != masters_.end() && master->second == removed) {
        masters_.erase(master);
    }
    if (connections_.empty()) {
        emptied_.notify_all();
    }
}

bool registry::add_master(const std::string& id, session_ptr session) {
    std::lock_guard lock(mutex_);
    return masters_.emplace(id, std::move(session)).second;
}

registry::session_ptr registry::remove_master(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = masters_.find(id);
    if (it == masters_.end()) {
        return nullptr;
    }
    session_ptr session = std::move(it->second);
    masters_.erase(it);
    return session;
}

registry::session_ptr registry::find_master(const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = masters_.find(id);
    return it == masters_.end() ? nullptr : it->second;
}

std::vector<registry::session_ptr> registry::masters() const {
    std::lock_guard lock(mutex_);
    std::vector<session_ptr> out;
    out.reserve(masters_.size());
    for (const auto& [id, session] : masters_) {
        out.push_back(session);
    }
    return out;
}

std::vector<registry::session_ptr> registry::connections() const {
    std::lock_guard lock(mutex_);
    std::vector<session_ptr> out;
    out.reserve(connections_.size());
    for (const auto& [key, session] : connections_) {
        out.push_back(session);
    }
    return out;
}

std::size_t registry::master_count() const {
    std::lock_guard lock(mutex_);
    return masters_.size();
}

std::size_t registry::connection_count() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

bool registry::wait_until_empty(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return emptied_.wait_for(lock, timeout, [&] { return connections_.empty(); });
}

void registry::clear() {
    std::unordered_map<const master_session*, session_ptr> connections;
    std::unordered_map<std::string, session_ptr> masters;
    {
        std::lock_guard lock(mutex_);
        connections.swap(connections_);
        masters.swap(masters_);
    }
}

}  // namespace regcenter
