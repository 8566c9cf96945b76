// regcenter::master: the SDK class an application process links to join one or more centers.
//
// It mirrors the original Master class: connect to centers, authenticate, reconnect with
// backoff, report connect/authenticated/close/error events and hand unknown commands to the
// application. One object serves any number of centers, each over its own WebSocket.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include "regcenter/action_stream.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/master_config.hpp"
#include "regcenter/master_error.hpp"
#include "regcenter/service.hpp"

namespace regcenter {

namespace detail {
class master_impl;
}

/// One center as connected_centers() reports it.
struct center_status {
    std::string address;  ///< "host:port" as given to connect()
    bool authenticated = false;
    std::string session;  ///< session id from auth-success; empty unless authenticated
};

class master {
  public:
    using connect_handler = std::function<void(const std::string& center)>;
    using authenticated_handler =
        std::function<void(const std::string& center, const std::string& session)>;
    using close_handler = std::function<void(const std::string& center, const std::string& reason)>;
    using error_handler =
        std::function<void(boost::system::error_code error, const std::string& context)>;
    using command_handler =
        std::function<void(const std::string& cmd, const boost::json::object& message)>;
    using discover_handler =
        std::function<void(boost::system::error_code error, std::vector<service_instance> found)>;
    using peers_handler = std::function<void(const std::vector<service_instance>& peers)>;

    /// Runs on its own background thread; callbacks are called on that thread.
    explicit master(master_config config);

    /// Runs on the caller's io_context; callbacks are called from whatever threads run it.
    master(net::io_context& ioc, master_config config);

    /// Calls close() and waits (at most close_timeout per center) for the leaves to complete.
    ~master();

    master(const master&) = delete;
    master& operator=(const master&) = delete;

    /// Starts the life cycle for one center: connect, auth, then reconnect per the retry
    /// settings. A second call for the same address is a no-op. Thread-safe.
    void connect(const std::string& host, std::uint16_t port);

    /// The same from "ws://host:port" or "ws://host:port/v1/master". Throws
    /// std::invalid_argument for any other form.
    void connect(std::string_view url);

    /// Leaves every center: sends {"cmd":"leave"}, waits for the center's close (at most
    /// close_timeout), and stops reconnecting. Non-blocking and thread-safe; close handlers run
    /// as the centers confirm.
    void close();

    /// Blocks until every center link has finished after close(), or `timeout` passes; returns
    /// whether all finished. Must not be called from a thread running the master's io_context.
    bool wait_closed(std::chrono::milliseconds timeout);

    /// Snapshot of the centers this master is connected to (TCP + WebSocket up).
    std::vector<center_status> connected_centers() const;

    /// Changes the retry settings for future attempts. Thread-safe.
    void set_retry_settings(std::size_t attempts, std::chrono::milliseconds delay);

    /// Registers a streaming action (proto-spec/actions.md, docs/sdk.md "Actions and streams").
    /// Names are 1-128 characters of A-Z a-z 0-9 . _ : - and descriptions at most 1024 bytes:
    /// otherwise, and for an empty handler, it throws std::invalid_argument; a 257th action
    /// throws std::length_error. Replaces an action of the same name. The list is advertised to
    /// every center: in auth, and with an "actions" message to every authenticated center when
    /// it changes. Thread-safe; before or after connect(), also from a handler.
    void handle(std::string name, action_handler handler, std::string description = {},
                std::optional<boost::json::object> args_schema = {});

    /// Request/response on top of handle(): collects the whole input until the center ends
    /// (at most action_stream::hard_limit() bytes, more fails with "bad-args"), calls the
    /// handler, writes the string it returns and ends. An exception fails the stream
    /// ("action-failed") with its what(). Runs on the I/O thread: keep it short.
    void handle_call(std::string name, call_handler handler, std::string description = {},
                     std::optional<boost::json::object> args_schema = {});

    /// Removes an action and advertises the change; false if there was none. Streams already
    /// running keep going.
    bool remove_action(const std::string& name);

    /// Registers a service this master hosts (proto-spec/services.md, docs/sdk.md "Services"),
    /// or replaces the one of the same name. Throws std::invalid_argument for a service the
    /// center would refuse (a bad name, a field over its limit; the message says which) and
    /// std::length_error for a 257th service. The services go in auth to every center, so a
    /// reconnect (a center restart, say) registers them again; a change is sent at once to every
    /// authenticated center. A center's refusal is reported with on_error(service_refused).
    /// Thread-safe; before or after connect(), also from a handler.
    void register_service(service_info service);

    /// Removes a service from every center; false if there was none by that name. Thread-safe.
    bool remove_service(const std::string& name);

    /// The registered services, sorted by name. Thread-safe.
    std::vector<service_info> services() const;

    /// Asks a center for the instances of `service` that pass `filter` (docs/sdk.md
    /// "Discovery"). One authenticated center answers (the first by address); `handler` gets
    /// the instances sorted by session id, or master_errc::not_connected (no center is
    /// authenticated, or it went away before answering), request_timeout (no answer within
    /// master_config::request_timeout) or query_refused (a bad service name: the center's
    /// message is in the log). Runs on the event strand like the other handlers. Thread-safe.
    void discover(std::string service, service_filter filter, discover_handler handler);

    /// Keeps a live list of the instances of `service` that pass `filter`: `handler` gets the
    /// whole list when the first center reports it and again after every change, until
    /// unsubscribe(). Every authenticated center is subscribed (again after each reconnect);
    /// the list shown is one center's, the first by address that answered, and another's takes
    /// over at once when that center goes. With no center at all, the last list stays as it
    /// was. Throws std::invalid_argument for a bad service name. Thread-safe; returns the id
    /// for unsubscribe().
    std::uint64_t subscribe(std::string service, service_filter filter, peers_handler handler);

    /// Ends a subscription; false if there is none with that id. Its handler is not called
    /// again once this returns (one already queued may still run). Thread-safe.
    bool unsubscribe(std::uint64_t id);

    /// Event callbacks. Set them before connect(); they are not synchronized with running links.
    void on_connect(connect_handler h);
    void on_authenticated(authenticated_handler h);
    void on_close(close_handler h);
    void on_error(error_handler h);
    void on_command(command_handler h);

  private:
    std::shared_ptr<detail::master_impl> impl_;
};

}  // namespace regcenter
