// The center's side of one stream to a master (proto-spec/actions.md): what an operator (the
// admin API, a job, an embedder) holds to talk to a running action.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/container/deque.hpp>
#include <boost/container/options.hpp>
#include <boost/json/value.hpp>

#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/stream_window.hpp"

namespace regcenter {

class master_session;

/// How a stream finished.
struct stream_outcome {
    bool ok = false;      ///< both directions ended normally
    std::string code;     ///< stream-error code when !ok; "closed" for an abort
    std::string message;  ///< human text when !ok
};

/// Callbacks of a stream; they run on the master session's strand, one at a time, and must not
/// block. on_finish is called exactly once, last.
struct stream_handlers {
    std::function<void(std::string_view bytes)> on_data;
    std::function<void()> on_end;  ///< the master sends no more data
    std::function<void(const stream_outcome&)> on_finish;
    /// False (the default): data counts as consumed when on_data returns. True: the holder
    /// calls center_stream::consumed() once it has really passed the bytes on (e.g. written
    /// them to an operator's socket), so the master never gets further ahead than the window.
    bool consume_manually = false;
};

/// Created by center::open_stream. Thread-safe: every call runs on the session's strand (at
/// once when made from it, e.g. from a callback; else posted there). Callbacks may call any of
/// these, including finishing the stream. Data from the master is credited back as on_data
/// returns (or on consumed()), so a slow reader slows the master down instead of growing a
/// buffer.
class center_stream : public std::enable_shared_from_this<center_stream> {
  public:
    center_stream(std::weak_ptr<master_session> session, std::string master_id, std::string action,
                  boost::json::value args, stream_handlers handlers);

    /// Queues bytes for the master; sent in frames of at most 64 KiB as credit allows. Writing
    /// more than max_pending() unsent bytes fails the stream with "stalled". `on_sent`, if
    /// given, runs on the session's strand once the last of these bytes left the stream's
    /// queue: a writer that waits for it holds at most one write in the center.
    void write(std::string bytes, std::function<void()> on_sent = {});

    /// The same for bytes that are shared, read-only (a fan-out sends one input to many).
    void write(std::shared_ptr<const std::string> bytes, std::function<void()> on_sent = {});

    /// Queues `input` (shared, read-only) and the end before the stream is opened: a call's
    /// open, input and end then reach the session's strand in one hop instead of three. Only
    /// before master_session::open_stream, which hands the stream to the strand; at most
    /// max_pending() bytes.
    void preload(std::shared_ptr<const std::string> input);

    /// With consume_manually: `bytes` of delivered data were passed on; credits the master.
    void consumed(std::size_t bytes);

    /// Half-close: no more data to the master (after what is queued).
    void end();

    /// Fails the stream both ways (stream-error to the master, on_finish with the code).
    void fail(std::string code, std::string message);

    /// Aborts both ways (stream-close).
    void close();

    const std::string& master_id() const { return master_id_; }
    const std::string& action() const { return action_; }

    /// Bytes written but not yet sent to the master (any thread; a snapshot).
    std::size_t buffered() const { return buffered_.load(std::memory_order_relaxed); }

    static constexpr std::size_t max_pending() { return 64 * 1024 * 1024; }

  private:
    friend class master_session;  // the session drives the stream on its strand

    // ---- called by master_session on its strand ---------------------------------------------
    /// The stream-open for id `id`. With `inline_input` (the master asked for it in auth) and
    /// a preloaded input of at most max_inline_input() ASCII bytes, the input and the end
    /// travel in it: they are then sent, and the call is one frame instead of three.
    proto::stream_open open_message(proto::stream_id id, bool inline_input);
    /// Inputs up to this size go inline: small calls, and a JSON escape of ASCII grows it
    /// at most sixfold, far below any message limit. ASCII because a JSON string must be UTF-8.
    static constexpr std::size_t max_inline_input() { return 4096; }
    /// Payload the master sent; false when it broke the window (the session then fails it).
    bool deliver(std::string_view payload, std::optional<std::uint64_t>& credit);
    void on_credit(std::uint64_t bytes) { window_.on_credit(bytes); }
    void on_remote_end();
    /// Ends the stream locally with `outcome` (no message to the master).
    void finish(stream_outcome outcome);
    /// The next data frame to send, if credit and data allow; sets `end_now` when the queued
    /// end should be sent after it (or instead of it).
    std::optional<std::string> next_frame(bool& end_now);
    bool wants_to_send() const;
    bool finished() const { return finished_; }
    bool local_ended() const { return local_end_sent_; }
    /// Why the stream has made no progress for `limit`, or nullopt if it has: the master gave
    /// no credit for queued data, or (consume_manually) the holder consumed nothing delivered.
    std::optional<std::string> stalled(std::chrono::steady_clock::time_point now,
                                       std::chrono::steady_clock::duration limit) const;
    void set_pending(std::size_t bytes);

    void post(std::function<void(master_session&, center_stream&)> op);

    std::weak_ptr<master_session> session_;
    const std::string master_id_;
    const std::string action_;
    boost::json::value args_;
    stream_handlers handlers_;

    proto::stream_id id_ = 0;
    proto::stream_window window_;
    struct chunk {
        std::shared_ptr<const std::string> bytes;
        std::function<void()> on_sent;
    };
    // Unsent data, in order. A call queues one chunk: blocks of four, allocated on first use,
    // instead of std::deque's 512-byte block per stream (10,000 of them per fan-out).
    boost::container::deque<chunk, void,
                            boost::container::deque_options_t<boost::container::block_size<4>>>
        pending_;
    std::size_t pending_offset_ = 0;  // bytes of pending_.front() already sent
    std::size_t pending_bytes_ = 0;
    std::atomic<std::size_t> buffered_{0};  // pending_bytes_, readable from other threads
    bool local_end_requested_ = false;
    bool local_end_sent_ = false;
    bool remote_ended_ = false;
    bool finished_ = false;
    bool scheduled_ = false;  // in the session's ready list
    bool consume_manually_ = false;
    std::size_t unconsumed_ = 0;  // delivered, not yet consumed() (consume_manually)
    // Last time each direction moved: data sent to the master, data consumed from it.
    std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_consumed_ = last_sent_;
    bool delivering_ = false;  // inside handlers_.on_data or on_end
};

}  // namespace regcenter
