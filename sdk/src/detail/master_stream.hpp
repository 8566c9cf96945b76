// The master's side of action streams (proto-spec/actions.md A.2): master_stream is the
// action_stream handed to handlers, stream_mux is one connection's table of streams.
//
// Threading: the mux and every member marked "strand" live on the link's strand. The
// application calls master_stream's public functions from any thread; they take the stream's
// mutex for what must be answered at once (write()'s return value, buffered()) and post the rest
// to the strand. Callbacks run on the strand, never with a mutex held.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "regcenter/action_stream.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/stream_window.hpp"

namespace regcenter::detail {

class master_state;
class stream_mux;

/// One data frame waiting in the link's write queue: the header and a slice of a chunk that
/// write() filled, so the payload is copied exactly once on its way to the socket.
struct outgoing_data {
    std::array<char, proto::streams::data_header_size> header{};
    std::shared_ptr<const std::string> chunk;
    std::size_t offset = 0;
    std::size_t size = 0;

    std::array<net::const_buffer, 2> buffers() const {
        return {net::buffer(header), net::buffer(chunk->data() + offset, size)};
    }
};

/// What a stream_mux needs from its connection (implemented by center_link). Called on the
/// strand only, and only until stream_mux::shutdown().
class stream_transport {
  public:
    /// Queues a text frame (dropped once the connection is closing).
    virtual void send_message(const proto::message& m) = 0;
    /// Queues a data frame.
    virtual void send_data(outgoing_data frame) = 0;
    /// Whether the write queue has room for more data frames; when it hasn't, the link calls
    /// stream_mux::pump() as data frames leave.
    virtual bool data_room() const = 0;

  protected:
    ~stream_transport() = default;
};

class master_stream final : public action_stream,
                            public std::enable_shared_from_this<master_stream> {
  public:
    master_stream(std::weak_ptr<stream_mux> mux, const std::string& center, proto::stream_id id,
                  std::string action, boost::json::value args);

    const std::string& action() const override { return action_; }
    const boost::json::value& args() const override { return args_; }
    const std::string& center() const override { return center_; }
    std::uint32_t id() const override { return id_; }

    bool write(std::string_view bytes) override;
    void end() override;
    void fail(std::string_view message, std::string_view code) override;
    void close() override;
    void hold_credit() override;
    void release_credit() override;

    void on_data(data_handler h) override;
    void on_end(end_handler h) override;
    void on_error(error_handler h) override;
    void on_drain(drain_handler h) override;

    std::size_t buffered() const override;

  private:
    friend class stream_mux;

    // A piece of written data of at most max_data_payload bytes. Appended to until the first
    // frame takes a slice of it (sealed), immutable afterwards.
    struct chunk {
        std::shared_ptr<std::string> data;
        std::size_t offset = 0;  // bytes already sent
        bool sealed = false;
    };

    // Runs f(mux, stream) on the strand, if the connection's mux still exists.
    template <class F>
    void post_to_mux(F f);
    // Posts a wake-up unless one is pending; called with mutex_ held.
    bool take_flush_slot();
    void drop_buffers();  // mutex_ held
    /// fail() and close(): drops what is buffered and tells the center with `m`.
    void abort_by_app(proto::message m);

    // Weak, and no strand of its own: an application may hold the stream after the master and
    // its io_context are gone, and a strand must not outlive its io_context.
    const std::weak_ptr<stream_mux> mux_;
    const std::string action_;
    const std::string center_;
    const boost::json::value args_;
    const proto::stream_id id_;

    mutable std::mutex mutex_;  // guards the members up to the strand-only ones
    std::deque<chunk> chunks_;
    std::size_t buffered_ = 0;
    bool ended_ = false;     // end() was called: no more writes
    bool aborted_ = false;   // fail()/close() was called, or write() passed the hard limit
    bool finished_ = false;  // the stream is over (set on the strand)
    bool flush_posted_ = false;
    bool drain_wanted_ = false;  // write() returned false since the buffer last emptied
    bool holding_ = false;       // hold_credit()
    std::shared_ptr<const data_handler> data_handler_;
    std::shared_ptr<const end_handler> end_handler_;
    std::shared_ptr<const error_handler> error_handler_;
    std::shared_ptr<const drain_handler> drain_handler_;

    // Strand only.
    proto::stream_window window_;
    std::uint64_t held_ = 0;  // consumed while holding credit, not yet reported
    bool end_sent_ = false;
    bool remote_ended_ = false;
    bool queued_ = false;  // in the mux's ready queue
};

/// The streams of one connection. Created when the WebSocket is up, shut down when it closes.
class stream_mux : public std::enable_shared_from_this<stream_mux> {
  public:
    /// Open streams per connection; a stream-open beyond fails with action-failed.
    static constexpr std::size_t max_streams = 1024;
    /// Finished stream ids remembered to answer a reused id with duplicate-stream.
    static constexpr std::size_t remembered_ids = 4096;

    stream_mux(net::strand<net::any_io_executor> strand, std::shared_ptr<master_state> state,
               std::string center, stream_transport& transport);

    stream_mux(const stream_mux&) = delete;
    stream_mux& operator=(const stream_mux&) = delete;

    /// stream-open, stream-credit, stream-end, stream-error or stream-close from the center.
    void on_message(const proto::message& m);
    /// A data frame; its payload is only valid during the call.
    void on_data(const proto::data_frame& frame);
    /// The connection's write queue has room again.
    void pump();
    /// The connection closed: every open stream fails with "disconnected" and the transport is
    /// never used again.
    void shutdown(const std::string& reason);
    /// Like shutdown() without callbacks, for a connection destroyed without closing.
    void detach() { transport_ = nullptr; }

    std::size_t open_streams() const { return streams_.size(); }

  private:
    friend class master_stream;

    void open(const proto::stream_open& m);
    /// The center ended its direction (stream-end, or "end" in stream-open).
    void on_remote_end(const std::shared_ptr<master_stream>& s);
    void wake(const std::shared_ptr<master_stream>& s);
    void release(const std::shared_ptr<master_stream>& s);
    void abort_by_app(const std::shared_ptr<master_stream>& s, const proto::message& m);
    /// Fails an open stream: tells the center (stream-error) and/or the application (on_error).
    void fail(const std::shared_ptr<master_stream>& s, std::string_view code,
              const std::string& message, bool tell_center, bool tell_app);
    /// Removes a stream from the table and frees its buffers and callbacks.
    void finish(const std::shared_ptr<master_stream>& s, std::string_view code = {},
                const std::string& message = {});
    /// Sends one frame (or the end) of s; true if it has more to send right away.
    bool emit(const std::shared_ptr<master_stream>& s);
    void grant(master_stream& s, std::uint64_t consumed);
    bool is_open(const std::shared_ptr<master_stream>& s) const;
    void remember(proto::stream_id id);
    void send(const proto::message& m);
    void log_debug(const std::string& text) const;

    const net::strand<net::any_io_executor> strand_;
    const std::shared_ptr<master_state> state_;
    const std::string center_;
    stream_transport* transport_;  // null after shutdown()

    std::unordered_map<proto::stream_id, std::shared_ptr<master_stream>> streams_;
    std::deque<std::shared_ptr<master_stream>> ready_;  // have data and credit, or an end
    std::deque<proto::stream_id> recent_;               // finished ids, oldest first
    std::unordered_set<proto::stream_id> recent_set_;
};

}  // namespace regcenter::detail
