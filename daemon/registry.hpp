// The registry: every open master connection, and the authenticated ones by session id.
//
// Changes happen under one mutex; callers take snapshots and do I/O after the lock is released,
// never while holding it.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace regcenter {

class master_session;

class registry {
  public:
    using session_ptr = std::shared_ptr<master_session>;

    /// A new connection, not yet authenticated. It stays until remove_connection().
    void add_connection(session_ptr session);

    /// Forgets the connection and, if `id` (its session id, empty before auth) is still
    /// registered to it, the id too. Idempotent.
    void remove_connection(const master_session* session, const std::string& id);

    /// Makes an authenticated session findable by id; false if the id is taken (practically
    /// impossible with 128 random bits, but the caller then picks another id).
    bool add_master(const std::string& id, session_ptr session);

    /// Removes a session id; returns the session if it was registered. Idempotent.
    session_ptr remove_master(const std::string& id);

    session_ptr find_master(const std::string& id) const;

    std::vector<session_ptr> masters() const;
    std::vector<session_ptr> connections() const;
    std::size_t master_count() const;
    std::size_t connection_count() const;

    /// Blocks until no connection is left or `timeout` passes; true if none is left.
    bool wait_until_empty(std::chrono::milliseconds timeout) const;

    /// Drops every reference (after the I/O threads have stopped).
    void clear();

  private:
    mutable std::mutex mutex_;
    mutable std::condition_variable emptied_;
    std::unordered_map<const master_session*, session_ptr> connections_;
    std::unordered_map<std::string, session_ptr> masters_;
};

}  // namespace regcenter
