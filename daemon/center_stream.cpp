// Center-side stream state: pending output, flow-control window, end/finish bookkeeping. The
// I/O (frames on the WebSocket) is master_session's; this file decides what to send next.
#include "center_stream.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>

#include "master_session.hpp"
#include "regcenter/common/units.hpp"
#include "regcenter/proto/data_frame.hpp"

namespace regcenter {

center_stream::center_stream(std::weak_ptr<master_session> session, std::string master_id,
                             std::string action, boost::json::value args, stream_handlers handlers)
    : session_(std::move(session)),
      master_id_(std::move(master_id)),
      action_(std::move(action)),
      args_(std::move(args)),
      handlers_(std::move(handlers)),
      consume_manually_(handlers_.consume_manually) {}

void center_stream::post(std::function<void(master_session&, center_stream&)> op) {
    auto session = session_.lock();
    if (!session) {
        return;  // the session is gone; the stream was finished when it went
    }
    session->run_on_strand(
        [session, self = shared_from_this(), op = std::move(op)] { op(*session, *self); });
}

void center_stream::write(std::string bytes, std::function<void()> on_sent) {
    write(std::make_shared<const std::string>(std::move(bytes)), std::move(on_sent));
}

void center_stream::write(std::shared_ptr<const std::string> bytes, std::function<void()> on_sent) {
    post([bytes = std::move(bytes), on_sent = std::move(on_sent)](master_session& session,
                                                                  center_stream& s) mutable {
        if (s.finished_ || s.local_end_requested_) {
            return;
        }
        if (!bytes || bytes->empty()) {
            if (on_sent) {
                on_sent();
            }
            return;
        }
        if (s.pending_bytes_ == 0) {
            s.last_sent_ = std::chrono::steady_clock::now();  // the stall clock starts now
        }
        s.set_pending(s.pending_bytes_ + bytes->size());
        s.pending_.push_back(chunk{std::move(bytes), std::move(on_sent)});
        if (s.pending_bytes_ > max_pending()) {
            session.fail_stream(s, "stalled",
                                "more than " + std::to_string(max_pending()) +
                                    " bytes queued for master " + s.master_id_ + " stream " +
                                    std::to_string(s.id_) + ": it does not read");
            return;
        }
        session.schedule_stream(s);
    });
}

void center_stream::preload(std::shared_ptr<const std::string> input) {
    if (input && !input->empty()) {
        last_sent_ = std::chrono::steady_clock::now();
        set_pending(input->size());
        pending_.push_back(chunk{std::move(input), {}});
    }
    local_end_requested_ = true;
}

void center_stream::consumed(std::size_t bytes) {
    post([bytes](master_session& session, center_stream& s) {
        if (s.finished_ || bytes == 0) {
            return;
        }
        // Never credit more than was delivered, whatever the caller reports.
        const std::size_t taken = std::min(bytes, s.unconsumed_);
        s.unconsumed_ -= taken;
        s.last_consumed_ = std::chrono::steady_clock::now();
        if (auto credit = s.window_.on_consumed(taken)) {
            session.send(proto::stream_credit{s.id_, *credit});
        }
    });
}

void center_stream::set_pending(std::size_t bytes) {
    pending_bytes_ = bytes;
    buffered_.store(bytes, std::memory_order_relaxed);
}

std::optional<std::string> center_stream::stalled(std::chrono::steady_clock::time_point now,
                                                  std::chrono::steady_clock::duration limit) const {
    const auto where =
        "master " + master_id_ + " stream " + std::to_string(id_) + " (" + action_ + "): ";
    const auto span = format_duration(limit);
    if (pending_bytes_ > 0 && window_.send_credit() == 0 && now - last_sent_ > limit) {
        return where + "the master read nothing for " + span + " (streams.stall_timeout)";
    }
    if (consume_manually_ && unconsumed_ > 0 && now - last_consumed_ > limit) {
        return where + "the operator read nothing for " + span + " (streams.stall_timeout)";
    }
    return std::nullopt;
}

void center_stream::end() {
    post([](master_session& session, center_stream& s) {
        if (s.finished_ || s.local_end_requested_) {
            return;
        }
        s.local_end_requested_ = true;
        session.schedule_stream(s);
    });
}

void center_stream::fail(std::string code, std::string message) {
    post([code = std::move(code), message = std::move(message)](
             master_session& session, center_stream& s) { session.fail_stream(s, code, message); });
}

void center_stream::close() {
    post([](master_session& session, center_stream& s) { session.close_stream(s); });
}

proto::stream_open center_stream::open_message(proto::stream_id id, bool inline_input) {
    id_ = id;
    proto::stream_open open{id, action_, std::move(args_)};
    if (!inline_input || !local_end_requested_ || pending_.size() > 1 ||
        pending_bytes_ > max_inline_input()) {
        return open;
    }
    if (!pending_.empty()) {
        // Only preloaded input is here: it has no on_sent, which would run before the open
        // is queued.
        const chunk& input = pending_.front();
        if (input.on_sent || !std::all_of(input.bytes->begin(), input.bytes->end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x80;
            })) {
            return open;
        }
        open.input = *input.bytes;
        window_.on_sent(input.bytes->size());
        set_pending(0);
        pending_.pop_front();
    }
    open.end = true;
    local_end_sent_ = true;
    return open;
}

bool center_stream::deliver(std::string_view payload, std::optional<std::uint64_t>& credit) {
    if (!window_.on_received(payload.size())) {
        return false;
    }
    if (consume_manually_) {
        if (unconsumed_ == 0) {
            last_consumed_ = std::chrono::steady_clock::now();  // the stall clock starts now
        }
        unconsumed_ += payload.size();
    }
    if (handlers_.on_data && !payload.empty()) {
        // on_data may finish the stream (fail, close); its std::function must outlive the call.
        delivering_ = true;
        handlers_.on_data(payload);
        delivering_ = false;
        if (finished_) {
            handlers_ = {};
            return true;
        }
    }
    // Credit follows consumption: the callback has returned, the bytes are handled.
    if (!consume_manually_) {
        credit = window_.on_consumed(payload.size());
    }
    return true;
}

void center_stream::on_remote_end() {
    if (remote_ended_) {
        return;
    }
    remote_ended_ = true;
    if (handlers_.on_end) {
        // on_end may finish the stream (close, fail): its std::function must outlive the call.
        delivering_ = true;
        handlers_.on_end();
        delivering_ = false;
        if (finished_) {
            handlers_ = {};
        }
    }
}

void center_stream::finish(stream_outcome outcome) {
    if (finished_) {
        return;
    }
    finished_ = true;
    pending_.clear();
    set_pending(0);
    auto on_finish = std::move(handlers_.on_finish);
    if (!delivering_) {
        handlers_ = {};  // drop captured state (buffers, callbacks) now, not at the last ref
    }
    if (on_finish) {
        on_finish(outcome);
    }
}

bool center_stream::wants_to_send() const {
    if (finished_ || local_end_sent_) {
        return false;
    }
    if (pending_bytes_ > 0) {
        return window_.send_credit() > 0;
    }
    return local_end_requested_;
}

std::optional<std::string> center_stream::next_frame(bool& end_now) {
    end_now = false;
    if (pending_bytes_ == 0) {
        end_now = local_end_requested_ && !local_end_sent_;
        return std::nullopt;
    }
    const std::size_t allowed = static_cast<std::size_t>(
        std::min<std::uint64_t>(window_.send_credit(), proto::streams::max_data_payload));
    if (allowed == 0) {
        return std::nullopt;
    }
    chunk& front = pending_.front();
    const std::size_t take = std::min(allowed, front.bytes->size() - pending_offset_);
    std::string frame =
        proto::encode_data_frame(id_, std::string_view(*front.bytes).substr(pending_offset_, take));
    pending_offset_ += take;
    set_pending(pending_bytes_ - take);
    window_.on_sent(take);
    last_sent_ = std::chrono::steady_clock::now();
    if (pending_offset_ == front.bytes->size()) {
        auto on_sent = std::move(front.on_sent);
        pending_.pop_front();
        pending_offset_ = 0;
        if (on_sent) {
            on_sent();
        }
    }
    end_now = pending_bytes_ == 0 && local_end_requested_ && !local_end_sent_;
    return frame;
}

}  // namespace regcenter
