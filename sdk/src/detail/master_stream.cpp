// The master's side of action streams (see master_stream.hpp).
#include "master_stream.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>
#include <variant>

#include "master_state.hpp"

namespace regcenter::detail {
namespace {

constexpr std::size_t max_payload = proto::streams::max_data_payload;

std::string stream_name(proto::stream_id id) {
    return "stream " + std::to_string(id);
}

// Runs an application callback; returns the text of what it threw, if it threw.
template <class F>
std::optional<std::string> run_callback(F&& f) {
    try {
        f();
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string(e.what());
    } catch (...) {
        return std::string("unknown exception");
    }
}

}  // namespace

// ---- master_stream: the application's side ---------------------------------------------------

master_stream::master_stream(std::weak_ptr<stream_mux> mux, const std::string& center,
                             proto::stream_id id, std::string action, boost::json::value args)
    : mux_(std::move(mux)),
      action_(std::move(action)),
      center_(center),
      args_(std::move(args)),
      id_(id) {}

template <class F>
void master_stream::post_to_mux(F f) {
    auto mux = mux_.lock();
    if (!mux) {
        return;
    }
    const auto strand = mux->strand_;
    net::post(strand, [mux = std::move(mux), self = shared_from_this(), f = std::move(f)] {
        f(*mux, self);
    });
}

bool master_stream::take_flush_slot() {
    if (flush_posted_) {
        return false;
    }
    flush_posted_ = true;
    return true;
}

void master_stream::drop_buffers() {
    chunks_.clear();
    buffered_ = 0;
    drain_wanted_ = false;
}

bool master_stream::write(std::string_view bytes) {
    std::unique_lock lock(mutex_);
    if (finished_ || aborted_ || ended_) {
        return false;
    }
    if (bytes.size() > hard_limit() - buffered_) {
        aborted_ = true;
        drop_buffers();
        lock.unlock();
        post_to_mux([](stream_mux& mux, const std::shared_ptr<master_stream>& s) {
            mux.fail(s, proto::stream_error_code::stalled,
                     stream_name(s->id_) + ": more than " + std::to_string(hard_limit()) +
                         " bytes waiting for credit from the center",
                     true, true);
        });
        return false;
    }
    while (!bytes.empty()) {
        if (chunks_.empty() || chunks_.back().sealed ||
            chunks_.back().data->size() >= max_payload) {
            chunks_.push_back({std::make_shared<std::string>(), 0, false});
            chunks_.back().data->reserve(std::min(bytes.size(), max_payload));
        }
        std::string& data = *chunks_.back().data;
        const std::size_t n = std::min(bytes.size(), max_payload - data.size());
        data.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        buffered_ += n;
    }
    const bool below = buffered_ <= high_water_mark();
    if (!below) {
        drain_wanted_ = true;
    }
    const bool post = buffered_ > 0 && take_flush_slot();
    lock.unlock();
    if (post) {
        post_to_mux([](stream_mux& mux, const std::shared_ptr<master_stream>& s) {
            {
                std::lock_guard l(s->mutex_);
                s->flush_posted_ = false;
            }
            mux.wake(s);
        });
    }
    return below;
}

void master_stream::end() {
    std::unique_lock lock(mutex_);
    if (finished_ || aborted_ || ended_) {
        return;
    }
    ended_ = true;
    lock.unlock();
    // Not through the flush slot: a pending flush may already have run its wake-up check.
    post_to_mux([](stream_mux& mux, const std::shared_ptr<master_stream>& s) { mux.wake(s); });
}

void master_stream::fail(std::string_view message, std::string_view code) {
    abort_by_app(proto::stream_error{id_, std::string(code), std::string(message)});
}

void master_stream::close() {
    abort_by_app(proto::stream_close{id_});
}

void master_stream::abort_by_app(proto::message m) {
    std::unique_lock lock(mutex_);
    if (finished_ || aborted_) {
        return;
    }
    aborted_ = true;
    drop_buffers();
    lock.unlock();
    post_to_mux([m = std::move(m)](stream_mux& mux, const std::shared_ptr<master_stream>& s) {
        mux.abort_by_app(s, m);
    });
}

void master_stream::hold_credit() {
    std::lock_guard lock(mutex_);
    holding_ = true;
}

void master_stream::release_credit() {
    std::unique_lock lock(mutex_);
    if (!holding_) {
        return;
    }
    holding_ = false;
    lock.unlock();
    post_to_mux([](stream_mux& mux, const std::shared_ptr<master_stream>& s) { mux.release(s); });
}

void master_stream::on_data(data_handler h) {
    std::lock_guard lock(mutex_);
    if (!finished_) {  // a finished stream keeps no callbacks, so they can't form cycles
        data_handler_ = std::make_shared<const data_handler>(std::move(h));
    }
}

void master_stream::on_end(end_handler h) {
    std::lock_guard lock(mutex_);
    if (!finished_) {
        end_handler_ = std::make_shared<const end_handler>(std::move(h));
    }
}

void master_stream::on_error(error_handler h) {
    std::lock_guard lock(mutex_);
    if (!finished_) {
        error_handler_ = std::make_shared<const error_handler>(std::move(h));
    }
}

void master_stream::on_drain(drain_handler h) {
    std::lock_guard lock(mutex_);
    if (!finished_) {
        drain_handler_ = std::make_shared<const drain_handler>(std::move(h));
    }
}

std::size_t master_stream::buffered() const {
    std::lock_guard lock(mutex_);
    return buffered_;
}

// ---- stream_mux: the connection's side, on the strand -------------------------------------------

stream_mux::stream_mux(net::strand<net::any_io_executor> strand,
                       std::shared_ptr<master_state> state, std::string center,
                       stream_transport& transport)
    : strand_(std::move(strand)),
      state_(std::move(state)),
      center_(std::move(center)),
      transport_(&transport) {}

void stream_mux::send(const proto::message& m) {
    if (transport_ != nullptr) {
        transport_->send_message(m);
    }
}

void stream_mux::log_debug(const std::string& text) const {
    if (state_->logs(log_level::debug)) {
        state_->log(log_level::debug, "center " + center_ + ": " + text);
    }
}

bool stream_mux::is_open(const std::shared_ptr<master_stream>& s) const {
    auto it = streams_.find(s->id_);
    return it != streams_.end() && it->second == s;
}

void stream_mux::remember(proto::stream_id id) {
    if (recent_set_.insert(id).second) {
        recent_.push_back(id);
        if (recent_.size() > remembered_ids) {
            recent_set_.erase(recent_.front());
            recent_.pop_front();
        }
    }
}

void stream_mux::on_message(const proto::message& m) {
    if (transport_ == nullptr) {
        return;
    }
    if (const auto* open_msg = std::get_if<proto::stream_open>(&m)) {
        open(*open_msg);
        return;
    }
    const proto::stream_id id = std::visit(
        [](const auto& x) -> proto::stream_id {
            if constexpr (requires { x.stream; }) {
                return x.stream;
            } else {
                return 0;
            }
        },
        m);
    auto it = streams_.find(id);
    if (it == streams_.end()) {
        return;  // never opened or already finished: in flight when it finished
    }
    const std::shared_ptr<master_stream> s = it->second;
    if (const auto* credit = std::get_if<proto::stream_credit>(&m)) {
        s->window_.on_credit(credit->bytes);
        wake(s);
    } else if (std::holds_alternative<proto::stream_end>(m)) {
        on_remote_end(s);
    } else if (const auto* error = std::get_if<proto::stream_error>(&m)) {
        fail(s, error->code, error->message, false, true);
    } else if (std::holds_alternative<proto::stream_close>(m)) {
        fail(s, "closed", "the center closed " + stream_name(id), false, true);
    }
}

void stream_mux::on_remote_end(const std::shared_ptr<master_stream>& s) {
    if (s->remote_ended_) {
        return;
    }
    s->remote_ended_ = true;
    std::shared_ptr<const action_stream::end_handler> h;
    {
        std::lock_guard lock(s->mutex_);
        if (!s->aborted_ && !state_->detached()) {
            h = s->end_handler_;
        }
    }
    if (h && *h) {
        if (auto what = run_callback([&] { (*h)(); })) {
            fail(s, proto::stream_error_code::action_failed, *what, true, true);
            return;
        }
    }
    if (s->end_sent_ && is_open(s)) {
        finish(s);
    }
}

void stream_mux::open(const proto::stream_open& m) {
    const proto::stream_id id = m.stream;
    if (auto it = streams_.find(id); it != streams_.end()) {
        // The error names the id, so the center takes the stream already open as failed too.
        const std::string text = stream_name(id) + " is already open";
        send(
            proto::stream_error{id, std::string(proto::stream_error_code::duplicate_stream), text});
        fail(it->second, proto::stream_error_code::duplicate_stream, text, false, true);
        return;
    }
    if (recent_set_.contains(id)) {
        send(proto::stream_error{id, std::string(proto::stream_error_code::duplicate_stream),
                                 stream_name(id) + " was used before on this connection"});
        return;
    }
    remember(id);
    // After ~master no application code may run: the actions are gone with it.
    const std::shared_ptr<const action_handler> handler =
        state_->detached() ? nullptr : state_->actions().find(m.action);
    if (!handler) {
        log_debug(stream_name(id) + ": unknown action \"" + m.action + "\"");
        send(proto::stream_error{id, std::string(proto::stream_error_code::unknown_action),
                                 "no action \"" + m.action + "\" on this master"});
        return;
    }
    if (streams_.size() >= max_streams) {
        send(proto::stream_error{
            id, std::string(proto::stream_error_code::action_failed),
            "too many open streams (" + std::to_string(max_streams) + ") on this connection"});
        return;
    }
    log_debug(stream_name(id) + ": action \"" + m.action + "\"");
    auto s = std::make_shared<master_stream>(weak_from_this(), center_, id, m.action, m.args);
    streams_.emplace(id, s);
    if (auto what = run_callback([&] { (*handler)(s); })) {
        log_debug(stream_name(id) + ": the handler of \"" + m.action + "\" threw: " + *what);
        fail(s, proto::stream_error_code::action_failed, *what, true, false);
        return;
    }
    // Input and end carried by the open (auth's "inline_input") arrive as if they followed it.
    if (m.input) {
        on_data(proto::data_frame{id, *m.input});
    }
    if (m.end && is_open(s)) {
        on_remote_end(s);
    }
}

void stream_mux::on_data(const proto::data_frame& frame) {
    if (transport_ == nullptr) {
        return;
    }
    auto it = streams_.find(frame.stream);
    if (it == streams_.end()) {
        return;  // never opened or already finished
    }
    const std::shared_ptr<master_stream> s = it->second;
    const std::size_t n = frame.payload.size();
    if (s->remote_ended_) {
        log_debug(stream_name(s->id_) + ": data after stream-end discarded");
        return;
    }
    if (!s->window_.on_received(n)) {
        fail(s, proto::stream_error_code::flow_control,
             stream_name(s->id_) + ": the center sent more than the window it was granted", true,
             true);
        return;
    }
    if (n == 0) {
        return;
    }
    std::shared_ptr<const action_stream::data_handler> h;
    {
        std::lock_guard lock(s->mutex_);
        if (!s->aborted_ && !state_->detached()) {
            h = s->data_handler_;
        }
    }
    if (h && *h) {
        if (auto what = run_callback([&] { (*h)(frame.payload); })) {
            fail(s, proto::stream_error_code::action_failed, *what, true, true);
            return;
        }
    }
    grant(*s, n);
}

void stream_mux::grant(master_stream& s, std::uint64_t consumed) {
    {
        std::lock_guard lock(s.mutex_);
        if (s.holding_) {
            s.held_ += consumed;
            return;
        }
    }
    if (auto credit = s.window_.on_consumed(consumed); credit && !s.remote_ended_) {
        send(proto::stream_credit{s.id_, *credit});
    }
}

void stream_mux::release(const std::shared_ptr<master_stream>& s) {
    if (!is_open(s) || s->held_ == 0) {
        return;
    }
    const std::uint64_t held = s->held_;
    s->held_ = 0;
    grant(*s, held);
}

void stream_mux::wake(const std::shared_ptr<master_stream>& s) {
    if (transport_ == nullptr || !is_open(s)) {
        return;
    }
    if (!s->queued_) {
        s->queued_ = true;
        ready_.push_back(s);
    }
    pump();
}

void stream_mux::pump() {
    // Round robin, one frame per turn, so one busy stream can't starve the others.
    while (transport_ != nullptr && !ready_.empty() && transport_->data_room()) {
        std::shared_ptr<master_stream> s = std::move(ready_.front());
        ready_.pop_front();
        s->queued_ = false;
        if (emit(s) && !s->queued_ && is_open(s)) {
            s->queued_ = true;
            ready_.push_back(std::move(s));
        }
    }
}

bool stream_mux::emit(const std::shared_ptr<master_stream>& s) {
    if (!is_open(s)) {
        return false;
    }
    std::unique_lock lock(s->mutex_);
    if (s->aborted_) {
        return false;
    }
    if (s->chunks_.empty()) {
        if (!s->ended_ || s->end_sent_) {
            return false;
        }
        s->end_sent_ = true;
        lock.unlock();
        send(proto::stream_end{s->id_});
        if (s->remote_ended_) {
            finish(s);
        }
        return false;
    }
    const std::uint64_t credit = s->window_.send_credit();
    if (credit == 0) {
        return false;
    }
    master_stream::chunk& c = s->chunks_.front();
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(c.data->size() - c.offset, credit));
    outgoing_data frame{proto::encode_data_header(s->id_), c.data, c.offset, n};
    c.offset += n;
    c.sealed = true;
    if (c.offset == c.data->size()) {
        s->chunks_.pop_front();
    }
    s->buffered_ -= n;
    s->window_.on_sent(n);
    std::shared_ptr<const action_stream::drain_handler> drain;
    if (s->drain_wanted_ && s->buffered_ == 0) {
        s->drain_wanted_ = false;
        if (!state_->detached()) {
            drain = s->drain_handler_;
        }
    }
    const bool more = s->chunks_.empty() ? s->ended_ : s->window_.send_credit() > 0;
    lock.unlock();

    transport_->send_data(std::move(frame));
    if (drain && *drain) {
        if (auto what = run_callback([&] { (*drain)(); })) {
            fail(s, proto::stream_error_code::action_failed, *what, true, true);
            return false;
        }
    }
    return more;
}

void stream_mux::abort_by_app(const std::shared_ptr<master_stream>& s, const proto::message& m) {
    if (!is_open(s)) {
        return;
    }
    send(m);
    finish(s);
}

void stream_mux::fail(const std::shared_ptr<master_stream>& s, std::string_view code,
                      const std::string& message, bool tell_center, bool tell_app) {
    if (!is_open(s)) {
        return;
    }
    log_debug(stream_name(s->id_) + " failed: " + std::string(code) + ": " + message);
    if (tell_center) {
        send(proto::stream_error{s->id_, std::string(code), message});
    }
    finish(s, tell_app ? code : std::string_view{}, message);
}

void stream_mux::finish(const std::shared_ptr<master_stream>& stream, std::string_view code,
                        const std::string& message) {
    const std::shared_ptr<master_stream> s = stream;  // `stream` may be the table's own pointer
    streams_.erase(s->id_);
    std::shared_ptr<const action_stream::error_handler> on_error;
    std::shared_ptr<const action_stream::data_handler> on_data;
    std::shared_ptr<const action_stream::end_handler> on_end;
    std::shared_ptr<const action_stream::drain_handler> on_drain;
    {
        std::lock_guard lock(s->mutex_);
        s->finished_ = true;
        s->drop_buffers();
        // Moved out and released below, outside the lock: they may hold the last references
        // to objects whose destructors call into the stream.
        on_error = std::move(s->error_handler_);
        on_data = std::move(s->data_handler_);
        on_end = std::move(s->end_handler_);
        on_drain = std::move(s->drain_handler_);
    }
    if (!code.empty() && on_error && *on_error && !state_->detached()) {
        const std::string code_text(code);
        if (auto what = run_callback([&] { (*on_error)(code_text, message); })) {
            log_debug(stream_name(s->id_) + ": on_error threw: " + *what);
        }
    }
}

void stream_mux::shutdown(const std::string& reason) {
    if (transport_ == nullptr) {
        return;
    }
    transport_ = nullptr;
    ready_.clear();
    auto streams = std::move(streams_);
    streams_.clear();
    const std::string message = "the connection to center " + center_ + " closed: " + reason;
    for (auto& [id, s] : streams) {
        streams_.emplace(id, s);  // finish() expects the stream in the table
        finish(s, "disconnected", message);
    }
}

}  // namespace regcenter::detail
