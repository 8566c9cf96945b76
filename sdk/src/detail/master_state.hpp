// What every center link of one master shares: settings, the application's handlers, the
// actions, the connected-centers snapshot and the count of running links.
//
// Links hold it by shared_ptr and may outlive the public master object (caller io_context mode),
// so it owns no io_context; after detach() it drops every event instead of calling handlers
// that may refer to objects the application has already destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "action_registry.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/master.hpp"
#include "service_registry.hpp"
#include "subscription_registry.hpp"

namespace regcenter::detail {

/// The retry settings set_retry_settings() may change while links run.
struct retry_settings {
    std::size_t attempts;
    std::chrono::milliseconds delay;
};

class master_state : public std::enable_shared_from_this<master_state> {
  public:
    master_state(const net::any_io_executor& executor, master_config config);

    /// Immutable after construction except for the retry settings, which retry() returns.
    const master_config& config() const { return config_; }

    /// config().name, or the host name when that is empty.
    const std::string& name() const { return name_; }

    /// The actions this master offers; thread-safe on its own.
    action_registry& actions() { return actions_; }

    /// The services this master registers with every center; thread-safe on its own.
    service_registry& services() { return services_; }

    /// The services this master subscribed to, and each center's view of them; thread-safe.
    subscription_registry& subscriptions() { return subscriptions_; }

    retry_settings retry() const;
    void set_retry(retry_settings settings);

    void set_connect_handler(master::connect_handler h);
    void set_authenticated_handler(master::authenticated_handler h);
    void set_close_handler(master::close_handler h);
    void set_error_handler(master::error_handler h);
    void set_command_handler(master::command_handler h);

    // Application events. All of them, and the log lines, run one at a time on one strand in
    // the order they were reported, so handlers need no locking of their own.
    void report_connect(const std::string& center);
    void report_authenticated(const std::string& center, const std::string& session);
    void report_close(const std::string& center, const std::string& reason);
    void report_error(boost::system::error_code ec, std::string context);
    void report_command(std::string cmd, boost::json::object message);
    /// Calls subscription handlers with their new lists, in order.
    void report_peers(subscription_registry::deliveries deliveries);
    /// Calls an application callback (a discover() answer) on the event strand.
    void call(std::function<void()> f);

    /// Who connects to the centers a center names in {"cmd":"centers"}: set by the master,
    /// cleared when it shuts down (links may outlive it).
    using follower = std::function<void(const std::string& url)>;
    void set_follower(follower f);
    /// Hands each URL to the follower, if there still is one.
    void follow(const std::vector<std::string>& urls);

    /// Whether a line at `level` would reach the logger; callers skip formatting otherwise.
    bool logs(log_level level) const;
    void log(log_level level, std::string text);

    /// The connected-centers snapshot; nullopt removes the center. Updated synchronously so that
    /// a handler reading connected_centers() already sees the state its event announces.
    void set_status(const std::string& center, std::optional<center_status> status);
    std::vector<center_status> connected() const;

    /// A link started; wait_idle() waits for the matching link_finished().
    void link_started();
    /// Queued behind the link's earlier events, so once wait_idle() returns their handlers ran.
    void link_finished();
    /// True once no link runs; false after `timeout`.
    bool wait_idle(std::chrono::milliseconds timeout);
    bool idle() const;

    /// No handler or logger call starts after this returns (one already running may finish);
    /// action handlers and stream callbacks check detached() too.
    void detach();
    bool detached() const { return detached_.load(); }

  private:
    struct handlers {
        master::connect_handler connect;
        master::authenticated_handler authenticated;
        master::close_handler close;
        master::error_handler error;
        master::command_handler command;
    };

    // Runs f on the event strand unless detached by then.
    template <class F>
    void deliver(F f);

    // A copy, so that a handler may replace handlers without destroying itself mid-call.
    template <class Member>
    Member handler(Member handlers::*member) const;

    const master_config config_;
    const std::string name_;
    net::strand<net::any_io_executor> events_;
    std::atomic<bool> detached_{false};
    action_registry actions_;
    service_registry services_;
    subscription_registry subscriptions_;
    std::mutex follower_mutex_;  // separate: the follower takes the master's locks
    follower follower_;

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable idle_cv_;
    retry_settings retry_;
    handlers handlers_;
    std::map<std::string, center_status> connected_;
    std::size_t running_ = 0;
};

}  // namespace regcenter::detail
