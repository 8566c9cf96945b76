// regcenter::action_stream: the master's side of one running action (proto-spec/actions.md).
//
// The center opens a stream to run a named action; the SDK calls the handler registered with
// master::handle() with a new action_stream. Both sides may send bytes, half-close (end), fail
// or abort the stream. Flow control is per stream: data is credited to the center as the
// on_data callback returns (unless the handler holds credit), so a handler that is slow to
// consume makes the center wait. Memory bounds and threading: docs/sdk.md, "Actions and streams".
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace regcenter {

class action_stream {
  public:
    using data_handler = std::function<void(std::string_view bytes)>;
    using end_handler = std::function<void()>;
    /// code: the center's stream-error code, or one of the SDK's (see the callbacks below).
    using error_handler = std::function<void(const std::string& code, const std::string& message)>;
    using drain_handler = std::function<void()>;

    virtual ~action_stream() = default;

    virtual const std::string& action() const = 0;
    virtual const boost::json::value& args() const = 0;
    /// "host:port" of the center that opened the stream.
    virtual const std::string& center() const = 0;
    virtual std::uint32_t id() const = 0;

    /// Queues bytes for the center; they go out in frames of at most 64 KiB as the center
    /// grants credit (the bytes are copied once, so `bytes` may be reused at once). Returns
    /// false when more than high_water_mark() bytes are waiting: the writer should stop and
    /// continue from on_drain. Writing past hard_limit() fails the stream with "stalled" (on
    /// both sides, on_error included) rather than growing memory without bound. After end(),
    /// fail(), close() or the end of the stream, bytes are dropped and write() returns false.
    virtual bool write(std::string_view bytes) = 0;

    /// Half-close: no more data from this side; stream-end goes out after the buffered data.
    /// The stream finishes when the center ends too.
    virtual void end() = 0;

    /// Fails the stream (stream-error with code "action-failed" unless given), both ways.
    /// Buffered data is dropped; on_error is not called for it.
    virtual void fail(std::string_view message, std::string_view code = "action-failed") = 0;

    /// Aborts the stream without error (stream-close), both ways. Buffered data is dropped;
    /// on_error is not called for it.
    virtual void close() = 0;

    /// Read-side back-pressure: stops granting credit for data as it is consumed, so the center
    /// stops after what it may still send (at most one window, 256 KiB, still delivered to
    /// on_data). release_credit() grants what was held back. Typical use: hold when write()
    /// returns false while forwarding input, release from on_drain.
    virtual void hold_credit() = 0;
    virtual void release_credit() = 0;

    /// Callbacks; set them in the handler before it returns (data may arrive right after).
    /// They run on the master's I/O thread (the link's strand), one at a time, and must not
    /// block for long: every stream of that center shares the thread.
    /// - on_data: a piece of input; `bytes` is valid during the call only. It is credited to
    ///   the center when the callback returns. Without a handler, input is dropped (credited).
    /// - on_end: the center half-closed (stream-end); no more on_data.
    /// - on_error: the stream ended abnormally and is over both ways, with the code of the
    ///   center's stream-error, "closed" (the center sent stream-close), "disconnected" (the
    ///   connection to the center closed), "flow-control" (the center overran its window),
    ///   "stalled" (write() passed hard_limit()), "action-failed" (a callback threw) or
    ///   "duplicate-stream" (the center reused this stream's id). It is not called for what
    ///   the application did itself: fail(), close(), a handler that threw.
    /// - on_drain: the send buffer emptied after a write() returned false.
    /// The stream drops its callbacks when it finishes, so they may capture the stream itself.
    virtual void on_data(data_handler h) = 0;
    virtual void on_end(end_handler h) = 0;
    virtual void on_error(error_handler h) = 0;
    virtual void on_drain(drain_handler h) = 0;

    /// Bytes written but not yet handed to the connection (waiting for credit, or for the
    /// connection's write queue).
    virtual std::size_t buffered() const = 0;

    static constexpr std::size_t high_water_mark() { return 1024 * 1024; }
    static constexpr std::size_t hard_limit() { return 64 * 1024 * 1024; }
};

/// A streaming action: called once per stream, on the master's I/O thread. It may keep the
/// stream and finish asynchronously; an exception it throws fails the stream ("action-failed")
/// and the master stays connected.
using action_handler = std::function<void(std::shared_ptr<action_stream> stream)>;

/// The request/response case: receives the args and the whole input (everything the center
/// sent before ending), returns the whole output. An exception fails the stream with its what().
using call_handler = std::function<std::string(const boost::json::value& args, std::string input)>;

}  // namespace regcenter
