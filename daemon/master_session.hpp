// One master's WebSocket: the read loop, the write queue, authentication and heartbeat state.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/container/deque.hpp>

#include "center_stream.hpp"
#include "disconnect_reason.hpp"
#include "master_info.hpp"
#include "regcenter/common/batching_stream.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/messages.hpp"

namespace regcenter {

class center_state;
class center_stream;

/// Lives as long as its pending operations (shared_from_this); the registry holds it from
/// accept until the connection ends. Every public function may be called from any thread:
/// work is posted to the session's strand. (With a single I/O thread, the default, that
/// "strand" is the io_context's executor itself, which serializes just the same; see
/// listener::connection_executor.)
class master_session : public std::enable_shared_from_this<master_session> {
  public:
    using clock = std::chrono::steady_clock;
    using frame = std::shared_ptr<const std::string>;

    master_session(beast::tcp_stream&& stream, center_state& state, std::string remote,
                   std::chrono::system_clock::time_point connected_at);
    ~master_session();

    /// Completes the WebSocket handshake for `upgrade` and starts the read loop.
    void start(http::request<http::string_body> upgrade);

    /// Queues one text frame. The same frame may be shared by many sessions (broadcasts are
    /// encoded once). If the queue passes max_write_queue the session closes with 1013.
    void send(frame f);
    void send(const proto::message& m);

    /// Starts the closing handshake with `code` and records why; later calls are ignored.
    void close(std::uint16_t code, std::string reason, disconnect_reason why);

    /// The center shuts down: tells a master that asked for it (auth "going_away") to come back
    /// after a random delay within `window`, then closes with 1001.
    void shut_down(std::chrono::milliseconds window);

    /// Ends the connection without a closing handshake: for peers that no longer answer.
    void abort(disconnect_reason why);

    /// Sends a WebSocket ping unless one is in flight.
    void ping();

    /// Starts `stream` on this session (stream-open). If the session is not authenticated or
    /// closing, or the master never advertised actions or this action, the stream finishes at
    /// once with master-disconnected or unknown-action.
    void open_stream(std::shared_ptr<center_stream> stream);

    /// Fails the streams that made no progress for options().stream_stall_timeout ("stalled"),
    /// and has the sweep come back one period later while streams remain open.
    void check_stalled_streams();

    /// Runs `f` on the session's strand.
    void run_on_strand(std::function<void()> f);

    /// The session's strand, for timers that must run serialized with it.
    net::any_io_executor executor() { return ws_.get_executor(); }

    /// Called by the center's sweep; reads only atomics, so it needs no strand.
    bool authenticated() const { return authenticated_.load(std::memory_order_acquire); }
    /// Closing or closed: the sweep leaves such a session alone.
    bool closing() const { return closing_.load(std::memory_order_relaxed); }
    clock::time_point connected_at_steady() const { return connected_steady_; }
    clock::time_point last_seen() const {
        return clock::time_point(clock::duration(last_seen_.load(std::memory_order_relaxed)));
    }
    /// The last time the sweep pinged this session; it pings once per silent period.
    clock::time_point last_pinged() const {
        return clock::time_point(clock::duration(last_pinged_.load(std::memory_order_relaxed)));
    }
    void mark_pinged(clock::time_point t) {
        last_pinged_.store(t.time_since_epoch().count(), std::memory_order_relaxed);
    }

    /// Fields operators see; id and name are set once at auth, before the session is findable.
    master_info info() const;
    const std::string& id() const { return id_; }
    const std::string& remote() const { return remote_; }
    /// Set once at auth, before the session is findable, like id(): readable from any thread
    /// that found the session in the registry, without copying info().
    const std::string& name() const { return name_; }
    const proto::label_map& labels() const { return labels_; }
    std::chrono::system_clock::time_point connected_at() const { return connected_at_; }
    /// Whether the master advertised `action`; any thread.
    bool offers(std::string_view action) const { return regcenter::offers(actions(), action); }

  private:
    enum class phase { handshake, awaiting_auth, authenticated, closing };

    void on_accept(beast::error_code ec);
    void do_read();
    void on_message_start(beast::error_code ec, std::size_t bytes);
    void on_read(beast::error_code ec, std::size_t bytes);
    void on_frame(std::string_view text);
    void on_auth(proto::auth& m);
    void set_actions(std::vector<proto::action_info> actions);
    void register_services(proto::register_services m);
    void remove_services(const proto::remove_services& m);
    void discover(const proto::discover& m);
    void subscribe(proto::subscribe m);
    void on_data(const proto::data_frame& frame);

    // Streams (actions.md), all on the strand.
    friend class center_stream;
    std::shared_ptr<center_stream> find_stream(proto::stream_id id) const;
    void schedule_stream(center_stream& s);
    void pump_streams();
    void fail_stream(center_stream& s, std::string_view code, std::string_view message);
    void close_stream(center_stream& s);
    void finish_stream(center_stream& s, stream_outcome outcome);
    void finish_all_streams(std::string_view code, std::string_view message);
    void on_stream_credit(const proto::stream_credit& m);
    void on_stream_end(const proto::stream_end& m);
    void on_stream_error(const proto::stream_error& m);
    void on_stream_close(const proto::stream_close& m);
    void handle_authenticated(proto::message& m);
    void enqueue(frame f, bool binary = false);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void start_close(std::uint16_t code, std::string reason, disconnect_reason why);
    void do_close();
    void deregister(disconnect_reason why);
    void finish(beast::error_code ec);
    void touch();
    void on_pong();
    void release_read_buffer();

    websocket::stream<batching_stream> ws_;
    center_state& state_;
    // The message being read. Empty between messages: do_read waits for the next one with the
    // single byte below, so an idle session holds no read buffer.
    beast::flat_buffer buffer_;
    char first_byte_ = 0;
    struct outgoing {
        frame data;
        bool binary = false;
    };
    // boost::container::deque allocates nothing while empty (std::deque allocates a 512-byte
    // block even then), and shrink_to_fit() gives its blocks back once the queue drains, so the
    // write queue and the ready streams cost an idle session nothing.
    boost::container::deque<outgoing> queue_;
    std::size_t queued_bytes_ = 0;
    phase phase_ = phase::handshake;
    bool ping_in_flight_ = false;
    std::optional<clock::time_point> ping_sent_;  // the heartbeat ping awaiting its pong
    bool writing_ = false;       // an async_write is in flight (one writer per stream)
    bool flush_posted_ = false;  // a do_write is posted to gather this handler's frames
    bool finished_ = false;
    bool deregistered_ = false;
    std::optional<websocket::close_reason> pending_close_;
    unsigned auth_failures_ = 0;
    bool wants_going_away_ = false;    // auth asked for going-away before a shutdown close
    bool wants_inline_input_ = false;  // auth said stream-open may carry input and end
    std::optional<disconnect_reason> reason_;

    // Identity: written on the strand before the session is registered as a master, read-only
    // afterwards, so readers that found it through the registry need no further locking.
    std::string id_;
    std::string name_;
    proto::label_map labels_;
    const std::string remote_;
    const std::chrono::system_clock::time_point connected_at_;
    std::chrono::system_clock::time_point authenticated_at_{};
    const clock::time_point connected_steady_;

    // Replaced as a whole by the master's "actions" message and read by admin requests on other
    // threads: an immutable list behind a pointer that is swapped under a small lock. Null
    // until the master advertises (even an empty list): no stream is opened on it before.
    action_list actions() const;
    void set_action_list(action_list list);
    mutable std::mutex actions_mutex_;
    action_list actions_;
    std::unordered_map<proto::stream_id, std::shared_ptr<center_stream>> streams_;
    proto::stream_id next_stream_id_ = 1;
    // Streams with data or an end to send, served round-robin while the write queue is short,
    // so one large stream never starves the others or floods the queue.
    boost::container::deque<std::shared_ptr<center_stream>> ready_streams_;
    bool pumping_ = false;  // inside pump_streams (re-entry only schedules)
    // A stall check is pending in the sweep's queue: at most one per session, while streams_
    // is not empty (on the strand, like streams_).
    bool stall_check_scheduled_ = false;

    std::atomic<bool> authenticated_{false};
    std::atomic<bool> closing_{false};
    std::atomic<clock::rep> last_seen_;
    std::atomic<clock::rep> last_pinged_{0};
};

}  // namespace regcenter
