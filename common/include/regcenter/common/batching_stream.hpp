// A stream layer under websocket::stream that sends a batch of small frames in one send.
//
// A call puts three frames on a master's connection (stream-open, data, stream-end) and a
// fan-out does so on every master. Written one by one, each costs a send system call, and on
// loopback or in a VM a send that wakes the peer costs more than the frame itself. TCP_CORK
// merged them into one segment, but at two setsockopt calls per batch. This layer does the
// merging in user space instead: while the owner holds it, Beast's writes of small frames are
// copied into one buffer and complete at once, and release() sends them with one write.
//
// Because every write, Beast's own pongs and close frames included, passes through the layer
// in the order Beast issues it, frames never interleave: the layer only delays bytes, it never
// reorders them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "regcenter/common/net.hpp"

namespace regcenter {

class batching_stream {
  public:
    using next_layer_type = beast::tcp_stream;
    using executor_type = next_layer_type::executor_type;

    /// Writes larger than this are never copied: they leave from the caller's buffers, behind
    /// what is held, in the same send.
    static constexpr std::size_t max_held_write = 16 * 1024;
    /// A batch that would grow past this is sent with the write that would overflow it, so
    /// holding never delays more than this many bytes (and never grows without bound, however
    /// long the owner holds).
    static constexpr std::size_t max_held = 64 * 1024;

    /// A batch's buffer starts at this: a call's three frames fit without growing it, and a
    /// request below 1 KiB is served from malloc's small bins without consolidating.
    static constexpr std::size_t first_batch_capacity = 512;

    explicit batching_stream(beast::tcp_stream&& next) : next_(std::move(next)) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    next_layer_type& next_layer() noexcept { return next_; }
    const next_layer_type& next_layer() const noexcept { return next_; }

    /// From now on, small writes are held (copied and completed at once) until release().
    /// Release before waiting on the peer: a close handshake started while holding would wait
    /// for the answer to a close frame that was never sent. (Beast's answer to the peer's
    /// close needs no release: the teardown sends what is held first.)
    void hold() noexcept { holding_ = true; }

    /// Stops holding and sends what is held, in one write. Call it on the stream's executor;
    /// `owner` (whatever owns this stream) is kept alive until that write is done.
    void release(std::shared_ptr<void> owner);

    bool holding() const noexcept { return holding_; }

    /// Writes handed to the socket so far (held writes count once per batch): what the
    /// batching saved can be read off it.
    std::uint64_t sends() const noexcept { return sends_; }

    template <class MutableBufferSequence, class ReadHandler>
    auto async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
        return next_.async_read_some(buffers, std::forward<ReadHandler>(handler));
    }

    template <class ConstBufferSequence, class WriteHandler>
    auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
        return net::async_initiate<WriteHandler, void(beast::error_code, std::size_t)>(
            [this](auto h, const ConstBufferSequence& b) { start_write(b, std::move(h)); }, handler,
            buffers);
    }

    /// Closing: what is held is sent first, then the socket is shut down as for a tcp_stream.
    template <class TeardownHandler>
    friend void async_teardown(beast::role_type role, batching_stream& stream,
                               TeardownHandler&& handler) {
        stream.holding_ = false;
        stream.teardown_after_flush(role, std::forward<TeardownHandler>(handler));
    }

    friend void teardown(beast::role_type role, batching_stream& stream, beast::error_code& ec) {
        stream.holding_ = false;
        if (!stream.held_.empty()) {
            net::write(stream.next_.socket(), net::buffer(stream.held_), ec);
            stream.held_.clear();
        }
        using beast::websocket::teardown;
        teardown(role, stream.next_.socket(), ec);
    }

  private:
    template <class Buffers, class Handler>
    void start_write(const Buffers& buffers, Handler handler) {
        if (flushing_) {
            // Beast writes one frame at a time, so at most one write waits for a flush.
            auto waiting =
                std::make_shared<std::pair<Buffers, Handler>>(buffers, std::move(handler));
            waiting_ = [this, waiting] { start_write(waiting->first, std::move(waiting->second)); };
            return;
        }
        if (failed_) {
            return complete_later(std::move(handler), failed_, 0);
        }
        const std::size_t size = net::buffer_size(buffers);
        if (holding_ && size <= max_held_write && held_.size() + size <= max_held) {
            if (held_.empty()) {
                held_.reserve(first_batch_capacity);
            }
            const std::size_t at = held_.size();
            held_.resize(at + size);
            net::buffer_copy(net::buffer(held_.data() + at, size), buffers);
            return complete_later(std::move(handler), {}, size);
        }
        ++sends_;
        if (held_.empty()) {
            return next_.async_write_some(buffers, std::move(handler));
        }
        // What is held goes first, in the same send; this write completes with it.
        flushing_ = true;
        auto executor = net::get_associated_executor(handler, get_executor());
        net::async_write(
            next_, beast::buffers_cat(net::buffer(held_), buffers),
            net::bind_executor(executor, [this, size, handler = std::move(handler)](
                                             beast::error_code ec, std::size_t) mutable {
                flushed(ec);
                std::move(handler)(ec, ec ? 0 : size);
            }));
    }

    template <class Handler>
    void complete_later(Handler handler, beast::error_code ec, std::size_t size) {
        net::post(get_executor(), beast::bind_front_handler(std::move(handler), ec, size));
    }

    template <class TeardownHandler>
    void teardown_after_flush(beast::role_type role, TeardownHandler&& handler) {
        using beast::websocket::async_teardown;
        if (held_.empty() || flushing_) {
            return async_teardown(role, next_.socket(), std::forward<TeardownHandler>(handler));
        }
        flushing_ = true;
        auto executor = net::get_associated_executor(handler, get_executor());
        net::async_write(
            next_, net::buffer(held_),
            net::bind_executor(executor, [this, role, handler = std::move(handler)](
                                             beast::error_code ec, std::size_t) mutable {
                flushed(ec);
                async_teardown(role, next_.socket(), std::move(handler));
            }));
    }

    // A send of held bytes finished: they are gone, and a write that waited may go.
    void flushed(beast::error_code ec);

    beast::tcp_stream next_;
    std::string held_;  // bytes of held writes, in order, not yet handed to the socket
    bool holding_ = false;
    bool flushing_ = false;          // a send of held_ is in flight
    beast::error_code failed_;       // a send of held bytes failed: every later write fails with it
    std::function<void()> waiting_;  // a write that arrived during the flush
    std::uint64_t sends_ = 0;
};

}  // namespace regcenter
