// The machinery behind regcenter::master: the io_context (own-thread mode), the links by
// center address, and the shutdown order.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "center_link.hpp"
#include "master_state.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/master.hpp"
#include "regcenter/proto/center_address.hpp"

namespace regcenter::detail {

class master_impl {
  public:
    /// Own-thread mode: starts an io_context on a new thread.
    explicit master_impl(master_config config);
    /// Caller mode: runs on `ioc`, which must outlive the links (see docs/sdk.md).
    master_impl(net::io_context& ioc, master_config config);
    ~master_impl();

    master_impl(const master_impl&) = delete;
    master_impl& operator=(const master_impl&) = delete;

    /// Starts a link to `address` unless one runs; a finished one (kicked, given up) is
    /// started afresh only with `restart_finished`.
    void connect(const proto::center_address& address, bool restart_finished = true);
    void close();
    bool wait_closed(std::chrono::milliseconds timeout);
    std::vector<center_status> connected_centers() const { return state_->connected(); }
    void set_retry_settings(std::size_t attempts, std::chrono::milliseconds delay);
    master_state& state() { return *state_; }

    /// Tells every link that the actions changed, so authenticated sessions advertise them.
    void actions_changed();

    /// Tells every link that the services changed, so authenticated sessions register or
    /// remove the difference.
    void services_changed();

    /// Tells every link that the subscriptions changed.
    void subscriptions_changed();

    /// Sends a discover over the first authenticated link (by address).
    void discover(proto::service_query query, master::discover_handler handler);

    /// What ~master does: close(), wait for the links (unless that would deadlock), detach the
    /// handlers and, in own-thread mode, stop and join the thread.
    void shutdown();

  private:
    void set_follower();
    bool on_io_thread() const;
    std::vector<std::shared_ptr<center_link>> links() const;

    // Declared first so it is destroyed last: the links' sockets, timers and strands must go
    // before the io_context they belong to.
    std::unique_ptr<net::io_context> own_ioc_;
    net::io_context* ioc_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
    std::thread thread_;

    std::shared_ptr<master_state> state_;
    mutable std::mutex mutex_;  // guards links_ and closed_
    std::map<std::string, std::shared_ptr<center_link>> links_;
    bool closed_ = false;
    bool shut_down_ = false;
};

}  // namespace regcenter::detail
