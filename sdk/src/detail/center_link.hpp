// One center's life cycle: resolve, connect, WebSocket handshake, auth, read loop, dead-center
// detection, leave, action streams, services and reconnecting with backoff. The master owns one
// link per center address.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "master_state.hpp"
#include "master_stream.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/detail/backoff.hpp"
#include "regcenter/proto/center_address.hpp"
#include "regcenter/proto/messages.hpp"

namespace regcenter::detail {

/// All state is touched only on the link's strand, so a multi-threaded io_context is safe; the
/// public functions post there. A run loop (one coroutine) owns the life cycle and keeps the
/// link alive until it ends, so the master may drop its reference at any time.
class center_link : public std::enable_shared_from_this<center_link> {
  public:
    center_link(const net::any_io_executor& executor, proto::center_address address,
                std::shared_ptr<master_state> state);

    center_link(const center_link&) = delete;
    center_link& operator=(const center_link&) = delete;

    /// Starts the run loop. Call once.
    void start();

    /// Leaves the center (authenticated), closes the WebSocket (not yet authenticated) or stops
    /// connecting or waiting to reconnect; the run loop then ends. Thread-safe, non-blocking.
    void close();

    /// The master's actions changed: an authenticated session advertises the new list with an
    /// "actions" message (if it differs from what the center was told last). Thread-safe.
    void actions_changed();

    /// The master's services changed: an authenticated session registers what is new or
    /// different and removes what is gone, compared with what the center was told. Thread-safe.
    void services_changed();

    /// The master's subscriptions changed: an authenticated session subscribes to what is new
    /// and unsubscribes from what is gone. Thread-safe.
    void subscriptions_changed();

    /// Sends a discover and calls `handler` with the answer, or with not_connected when this
    /// link has no session or loses it first, or request_timeout. Thread-safe.
    void discover(proto::service_query query, master::discover_handler handler);

    /// True once the run loop has ended, for whatever reason. Thread-safe.
    bool finished() const { return finished_.load(); }

    /// "host:port", the key the master and the events use.
    const std::string& key() const { return key_; }

  private:
    struct connection;
    struct port;
    struct attempt_result {
        bool authenticated = false;  ///< a session was established on this connection
        bool rejected = false;       ///< auth-failed, or a 1008 close
        bool final = false;          ///< closed with a code that asks not to reconnect
        /// The center's going-away delay, which replaces the backoff's draw.
        std::optional<std::chrono::milliseconds> reconnect_after = std::nullopt;
    };

    net::awaitable<void> run();
    net::awaitable<attempt_result> attempt();
    net::awaitable<boost::system::error_code> open(const std::shared_ptr<connection>& c);
    void handle(const std::shared_ptr<connection>& c, proto::message& m, attempt_result& result);
    void on_auth_success(const std::shared_ptr<connection>& c, const proto::auth_success& m);

    void send(const std::shared_ptr<connection>& c, const proto::message& m);
    void send_data(const std::shared_ptr<connection>& c, outgoing_data frame);
    void advertise(const std::shared_ptr<connection>& c);
    void sync_services(const std::shared_ptr<connection>& c);
    void on_registered(const proto::registered& m);
    void sync_subscriptions(const std::shared_ptr<connection>& c);
    void on_discover_result(connection& c, proto::discover_result& m);
    void on_service_update(const proto::service_update& m);
    void on_center_list(const proto::center_list& m);
    /// Answers every discover still waiting on `c` with `ec` (its session ended).
    void fail_requests(connection& c, boost::system::error_code ec);
    void send_close(const std::shared_ptr<connection>& c);
    void send_ping(const std::shared_ptr<connection>& c);
    void write_next(const std::shared_ptr<connection>& c);

    void arm_deadline(const std::shared_ptr<connection>& c, std::chrono::milliseconds after,
                      boost::system::error_code reason);
    void arm_watchdog(const std::shared_ptr<connection>& c);
    void abort(connection& c, boost::system::error_code reason);
    void on_close_request();
    /// Logs and reports an error; the handler's context is "host:port[: detail]".
    void fail(boost::system::error_code ec, std::string_view detail = {});
    std::string end_reason(const connection& c, boost::system::error_code ec) const;

    void log(log_level level, const std::string& text) const;

    net::strand<net::any_io_executor> strand_;
    const proto::center_address address_;
    const std::string key_;
    const std::shared_ptr<master_state> state_;

    tcp::resolver resolver_;
    net::steady_timer retry_timer_;
    backoff backoff_;
    std::size_t failures_ = 0;        // consecutive failed attempts
    std::uint64_t next_request_ = 1;  // ids of discover requests
    bool stopping_ = false;           // close() was called
    std::shared_ptr<connection> current_;
    std::atomic<bool> finished_{false};
};

}  // namespace regcenter::detail
