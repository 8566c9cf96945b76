// A master's session: auth state machine, read loop and the single-writer queue.
#include "master_session.hpp"

#include <algorithm>
#include <random>

#include <boost/asio/bind_executor.hpp>

#include "center_state.hpp"
#include "logging.hpp"
#include "regcenter/common/random_id.hpp"
#include "regcenter/common/units.hpp"
#include "regcenter/common/websocket_writes.hpp"
#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/service.hpp"

namespace regcenter {
namespace {

bool is_normal_end(const beast::error_code& ec) {
    return ec == net::error::operation_aborted || ec == websocket::error::closed ||
           ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == beast::error::timeout;
}

template <class... T>
struct overloaded : T... {
    using T::operator()...;
};

}  // namespace

master_session::master_session(beast::tcp_stream&& stream, center_state& state, std::string remote,
                               std::chrono::system_clock::time_point connected_at)
    : ws_(std::move(stream)),
      state_(state),
      remote_(std::move(remote)),
      connected_at_(connected_at),
      connected_steady_(clock::now()),
      last_seen_(clock::now().time_since_epoch().count()) {
    // The WebSocket layer enforces its own deadlines; the HTTP read deadline must not linger.
    beast::get_lowest_layer(ws_).expires_never();
}

master_session::~master_session() {
    state_.sessions().remove_connection(this, id_);
}

void master_session::start(http::request<http::string_body> upgrade) {
    net::dispatch(ws_.get_executor(), [self = shared_from_this(), req = std::move(upgrade)] {
        const auto& opt = self->state_.options();
        // Idle detection is the center's sweep (one timer for all sessions), so Beast's own
        // idle timeout and keep-alive pings stay off; its handshake timeout bounds the opening
        // and closing handshakes.
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::min<std::chrono::steady_clock::duration>(
            opt.auth_timeout, std::chrono::seconds(5));
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
        self->ws_.set_option(timeouts);
        self->ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "regcenterd/0.1"); }));
        self->ws_.read_message_max(opt.max_message);
        write_whole_frames(self->ws_, beast::role_type::server);
        self->ws_.control_callback(
            [raw = self.get()](websocket::frame_type kind, std::string_view) {
                raw->touch();
                if (kind == websocket::frame_type::pong) {
                    raw->on_pong();
                }
            });
        self->ws_.async_accept(req, beast::bind_front_handler(&master_session::on_accept, self));
    });
}

void master_session::on_accept(beast::error_code ec) {
    if (ec) {
        logging::debug("websocket handshake failed",
                       {{"REMOTE_ADDR", remote_}, {"ERROR", ec.message()}});
        return finish(ec);
    }
    if (phase_ == phase::closing) {
        return abort(reason_.value_or(disconnect_reason::shutdown));
    }
    phase_ = phase::awaiting_auth;
    touch();
    logging::info("master connected", {{"REMOTE_ADDR", remote_}, {"EVENT", "connect"}});
    do_read();
}

void master_session::do_read() {
    // Waits for the next message with a one-byte buffer: a read into buffer_ would allocate
    // Beast's read size hint (1.5 KB) up front, and an idle session would hold it while it
    // waits. Control frames (the pongs) are handled by Beast meanwhile.
    ws_.async_read_some(
        net::buffer(&first_byte_, 1),
        beast::bind_front_handler(&master_session::on_message_start, shared_from_this()));
}

void master_session::on_message_start(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        return on_read(ec, bytes);
    }
    buffer_.commit(net::buffer_copy(buffer_.prepare(bytes), net::buffer(&first_byte_, bytes)));
    if (ws_.is_message_done()) {
        return on_read(ec, bytes);  // a message of zero or one byte
    }
    // The rest of the message is appended after its first byte; read_message_max still applies
    // to the whole message.
    ws_.async_read(buffer_,
                   [self = shared_from_this(), bytes](beast::error_code rest_ec, std::size_t more) {
                       self->on_read(rest_ec, bytes + more);
                   });
}

void master_session::on_read(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        if (ec == websocket::error::message_too_big) {
            logging::warning("frame too big, closing with 1009",
                             {{"SESSION_ID", id_},
                              {"REMOTE_ADDR", remote_},
                              {"LIMIT", std::to_string(state_.options().max_message)}});
            reason_ = reason_.value_or(disconnect_reason::protocol_error);
        }
        return finish(ec);
    }
    touch();
    state_.metrics().frames_received.inc();
    state_.metrics().bytes_received.inc(bytes);
    if (phase_ == phase::closing) {
        release_read_buffer();
        return do_read();  // drain until the peer answers our close
    }
    const auto data = buffer_.cdata();
    const std::string_view frame(static_cast<const char*>(data.data()), data.size());
    if (!ws_.got_text()) {
        // Binary frames carry stream data (actions.md); anything else is not protocol v1.
        const auto decoded = proto::decode_data_frame(frame);
        if (phase_ != phase::authenticated || !decoded) {
            release_read_buffer();
            logging::warning("binary frame that is not stream data, closing with 1003",
                             {{"SESSION_ID", id_}, {"REMOTE_ADDR", remote_}});
            start_close(proto::close_code::unsupported_data, "binary frames carry stream data only",
                        disconnect_reason::protocol_error);
            return do_read();
        }
        on_data(*decoded);
    } else {
        on_frame(frame);
    }
    release_read_buffer();
    do_read();
}

void master_session::on_frame(std::string_view text) {
    proto::decode_result decoded = proto::decode(text);
    if (!decoded) {
        logging::debug(
            "bad request",
            {{"SESSION_ID", id_}, {"REMOTE_ADDR", remote_}, {"ERROR", decoded.error().what}});
        return send(
            proto::error{std::string(proto::error_code::bad_request), decoded.error().what});
    }
    proto::message& m = decoded.value();
    if (phase_ == phase::authenticated) {
        return handle_authenticated(m);
    }
    // Before auth only auth and the application-level ping are served; nothing else counts as
    // a failed attempt, so a confused client can't lock itself out by talking too early. An
    // error is never answered with an error, so two peers can't loop.
    std::visit(
        overloaded{
            [&](proto::auth& a) { on_auth(a); },
            [&](proto::ping&) { send(proto::pong{}); },
            [&](proto::pong&) {},
            [&](proto::error& e) {
                logging::debug("error from an unauthenticated peer",
                               {{"REMOTE_ADDR", remote_}, {"CODE", e.code}});
            },
            [&](auto&) { send(proto::auth_failed{std::string(proto::text::auth_required)}); },
        },
        m);
}

void master_session::on_auth(proto::auth& m) {
    if (!state_.tokens().accepts(m.token)) {
        ++auth_failures_;
        state_.metrics().auth_failures.inc();
        const unsigned max_failures = state_.options().auth_max_failures;
        logging::warning("authentication failed", {{"REMOTE_ADDR", remote_},
                                                   {"EVENT", "auth-failed"},
                                                   {"ATTEMPT", std::to_string(auth_failures_)},
                                                   {"MAX_ATTEMPTS", std::to_string(max_failures)}});
        send(proto::auth_failed{std::string(proto::text::invalid_token)});
        if (auth_failures_ >= max_failures) {
            start_close(proto::close_code::policy_violation, "too many authentication failures",
                        disconnect_reason::auth_failures);
        }
        return;
    }
    name_ = m.name.value_or("");
    labels_ = std::move(m.labels);
    if (m.actions) {
        set_action_list(
            std::make_shared<const std::vector<proto::action_info>>(std::move(*m.actions)));
    }
    authenticated_at_ = std::chrono::system_clock::now();
    do {
        id_ = random_hex_id(16);
    } while (!state_.sessions().add_master(id_, shared_from_this()));
    phase_ = phase::authenticated;
    wants_going_away_ = m.wants_going_away;
    wants_inline_input_ = m.wants_inline_input;
    authenticated_.store(true, std::memory_order_release);
    state_.start_heartbeat(shared_from_this());
    state_.metrics().auth_successes.inc();
    state_.events().publish(event_type::master_authenticated,
                            {{"master", id_}, {"name", name_}, {"remote", remote_}});
    logging::info("master authenticated", {{"SESSION_ID", id_},
                                           {"MASTER_NAME", name_},
                                           {"REMOTE_ADDR", remote_},
                                           {"EVENT", "auth-success"}});
    send(proto::auth_success{std::string(proto::text::auth_successful), id_,
                             to_seconds(state_.options().heartbeat_interval)});
    if (!m.services.empty()) {
        // Answered like a register right after auth-success, so the master learns of refusals.
        register_services(proto::register_services{std::move(m.services), nullptr});
    }
    if (m.wants_centers && !state_.options().cluster_peers.empty()) {
        send(proto::center_list{state_.options().cluster_peers});
    }
}

void master_session::register_services(proto::register_services m) {
    const service_index::owner me{id_, name_, remote_, labels_};
    proto::registered answer;
    answer.id = std::move(m.id);
    for (const auto& entry : m.services) {
        proto::parsed_service parsed = proto::parse_service(entry);
        if (parsed.problem) {
            answer.results.push_back(
                {parsed.problem->name, false, parsed.problem->code, parsed.problem->message});
            continue;
        }
        const std::string name = parsed.service->name;
        indexed_instance stored;
        const auto outcome = state_.services().put(me, std::move(*parsed.service), &stored);
        if (outcome == service_index::put_result::too_many) {
            answer.results.push_back({name, false, std::string(proto::service_error_code::too_many),
                                      "a session may register at most " +
                                          std::to_string(proto::service_limits::max_services) +
                                          " services"});
            continue;
        }
        answer.results.push_back({name, true, {}, {}});
        state_.events().publish(event_type::service_registered,
                                {{"master", id_}, {"name", name_}, {"service", name}});
        state_.subscriptions().notify_registered(stored,
                                                 outcome == service_index::put_result::replaced);
        logging::info(
            outcome == service_index::put_result::added ? "service registered" : "service replaced",
            {{"SESSION_ID", id_}, {"SERVICE", name}, {"EVENT", "service-registered"}});
    }
    send(answer);
}

void master_session::remove_services(const proto::remove_services& m) {
    proto::removed answer;
    answer.id = m.id;
    if (m.service) {
        if (state_.services().remove(id_, *m.service)) {
            answer.services.push_back(*m.service);
        }
    } else {
        answer.services = state_.services().remove_all(id_);
    }
    for (const auto& name : answer.services) {
        state_.events().publish(
            event_type::service_removed,
            {{"master", id_}, {"name", name_}, {"service", name}, {"reason", "removed"}});
        state_.subscriptions().notify_removed(name, id_,
                                              std::string(proto::removal_reason::removed));
        logging::info("service removed",
                      {{"SESSION_ID", id_}, {"SERVICE", name}, {"EVENT", "service-removed"}});
    }
    send(answer);
}

void master_session::discover(const proto::discover& m) {
    proto::discover_result answer{m.query.service};
    answer.id = m.id;
    if (auto why = proto::check_service_name(m.query.service)) {
        answer.code = proto::service_error_code::invalid_name;
        answer.message = std::move(*why);
    } else {
        for (auto& i :
             state_.services().instances(m.query.service, {m.query.metadata, m.query.labels})) {
            answer.instances.push_back(std::move(static_cast<proto::service_instance&>(i)));
        }
    }
    send(answer);
}

void master_session::subscribe(proto::subscribe m) {
    if (deregistered_) {
        return;  // the session is ending; a subscription now would outlive it
    }
    proto::service_update answer{m.query.service, std::string(proto::update_change::snapshot)};
    answer.id = std::move(m.id);
    const instance_filter filter{m.query.metadata, m.query.labels};
    auto refuse = [&](std::string_view code, std::string message) {
        answer.change = proto::update_change::refused;
        answer.code = code;
        answer.message = std::move(message);
    };
    if (auto why = proto::check_service_name(m.query.service)) {
        refuse(proto::service_error_code::invalid_name, std::move(*why));
    } else if (state_.subscriptions().add(shared_from_this(), std::move(m.query)) ==
               service_subscriptions::add_result::too_many) {
        std::string why = "a session may subscribe to at most ";
        why += std::to_string(proto::service_limits::max_subscriptions);
        why += " services";
        refuse(proto::service_error_code::too_many_subscriptions, std::move(why));
    } else {
        // Subscribed first, snapshot second: a concurrent change is in the snapshot, or
        // follows it, or both (service_subscriptions.hpp).
        for (auto& i : state_.services().instances(answer.service, filter)) {
            answer.instances.push_back(std::move(static_cast<proto::service_instance&>(i)));
        }
    }
    send(answer);
}

void master_session::handle_authenticated(proto::message& m) {
    std::visit(overloaded{
                   [&](proto::auth&) {
                       send(proto::error{std::string(proto::error_code::bad_request),
                                         "already authenticated"});
                   },
                   [&](proto::ping&) { send(proto::pong{}); },
                   [&](proto::pong&) {},
                   [&](proto::leave&) {
                       start_close(proto::close_code::normal, "left", disconnect_reason::left);
                   },
                   [&](proto::error& e) {
                       logging::debug(
                           "master reported an error",
                           {{"SESSION_ID", id_}, {"CODE", e.code}, {"ERROR", e.message}});
                   },
                   [&](proto::actions_update& a) { set_actions(std::move(a.actions)); },
                   [&](proto::register_services& r) { register_services(std::move(r)); },
                   [&](proto::remove_services& r) { remove_services(r); },
                   [&](proto::discover& d) { discover(d); },
                   [&](proto::subscribe& r) { subscribe(std::move(r)); },
                   [&](proto::unsubscribe& u) { state_.subscriptions().remove(id_, u.service); },
                   [&](proto::stream_open&) {
                       send(proto::error{std::string(proto::error_code::bad_request),
                                         "only the center opens streams"});
                   },
                   [&](proto::stream_credit& c) { on_stream_credit(c); },
                   [&](proto::stream_end& e) { on_stream_end(e); },
                   [&](proto::stream_error& e) { on_stream_error(e); },
                   [&](proto::stream_close& c) { on_stream_close(c); },
                   [&](proto::unknown& u) {
                       send(proto::error{std::string(proto::error_code::unknown_command),
                                         "unknown command \"" + u.cmd + "\""});
                   },
                   [&](auto& other) {
                       send(proto::error{std::string(proto::error_code::bad_request),
                                         "\"" + std::string(proto::command_name(other)) +
                                             "\" is sent by the center, not by masters"});
                   },
               },
               m);
}

void master_session::set_actions(std::vector<proto::action_info> actions) {
    logging::info("master actions updated",
                  {{"SESSION_ID", id_}, {"ACTIONS", std::to_string(actions.size())}});
    set_action_list(std::make_shared<const std::vector<proto::action_info>>(std::move(actions)));
}

action_list master_session::actions() const {
    std::lock_guard lock(actions_mutex_);
    return actions_;
}

void master_session::set_action_list(action_list list) {
    std::lock_guard lock(actions_mutex_);
    actions_ = std::move(list);
}

void master_session::run_on_strand(std::function<void()> f) {
    net::dispatch(ws_.get_executor(), std::move(f));
}

void master_session::open_stream(std::shared_ptr<center_stream> stream) {
    run_on_strand([self = shared_from_this(), stream = std::move(stream)]() mutable {
        center_stream& s = *stream;
        if (s.finished()) {
            return;  // failed on the way here (its deadline passed): the master never sees it
        }
        if (self->phase_ != phase::authenticated || self->deregistered_) {
            return s.finish({false, std::string(proto::stream_error_code::master_disconnected),
                             "master " + s.master_id() + " is not connected"});
        }
        if (!self->offers(s.action())) {
            return s.finish({false, std::string(proto::stream_error_code::unknown_action),
                             "master " + s.master_id() + " has no action \"" + s.action() + "\""});
        }
        const proto::stream_id id = self->next_stream_id_++;
        self->streams_.emplace(id, stream);
        if (!self->stall_check_scheduled_) {
            self->stall_check_scheduled_ = true;
            self->state_.schedule_stall_check(self);
        }
        proto::stream_open open = s.open_message(id, self->wants_inline_input_);
        if (open.input) {
            self->state_.metrics().stream_bytes_to_master.inc(open.input->size());
        }
        self->send(std::move(open));
        logging::debug(
            "stream opened",
            {{"SESSION_ID", self->id_}, {"STREAM_ID", std::to_string(id)}, {"ACTION", s.action()}});
        self->schedule_stream(s);
    });
}

std::shared_ptr<center_stream> master_session::find_stream(proto::stream_id id) const {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second;
}

void master_session::schedule_stream(center_stream& s) {
    if (s.scheduled_ || !s.wants_to_send() || s.finished()) {
        return;
    }
    s.scheduled_ = true;
    ready_streams_.push_back(s.shared_from_this());
    pump_streams();
}

void master_session::pump_streams() {
    // Stream data enters the write queue only while it is short: control messages never wait
    // behind megabytes of data, and no stream can push the session over max_write_queue.
    constexpr std::size_t pump_below = 256 * 1024;
    // A stream's callbacks (a write's on_sent) may write or end the stream from inside this
    // loop; they only join the ready list, so frames leave in order and the end comes last.
    if (pumping_) {
        return;
    }
    pumping_ = true;
    while (!ready_streams_.empty() && queued_bytes_ < pump_below &&
           phase_ == phase::authenticated) {
        std::shared_ptr<center_stream> s = std::move(ready_streams_.front());
        ready_streams_.pop_front();
        s->scheduled_ = false;
        if (s->finished()) {
            continue;
        }
        bool end_now = false;
        if (auto frame = s->next_frame(end_now)) {
            state_.metrics().stream_bytes_to_master.inc(frame->size() -
                                                        proto::streams::data_header_size);
            enqueue(std::make_shared<const std::string>(std::move(*frame)), true);
        }
        if (end_now) {
            s->local_end_sent_ = true;
            send(proto::stream_end{s->id_});
            if (s->remote_ended_) {
                finish_stream(*s, {true, {}, {}});
                continue;
            }
        }
        if (!s->scheduled_ && s->wants_to_send()) {
            s->scheduled_ = true;
            ready_streams_.push_back(std::move(s));
        }
    }
    pumping_ = false;
    if (ready_streams_.empty()) {
        ready_streams_.shrink_to_fit();
    }
}

void master_session::finish_stream(center_stream& s, stream_outcome outcome) {
    streams_.erase(s.id_);
    if (streams_.empty()) {
        // An empty map without buckets allocates nothing. Kept, the bucket array of each
        // session's first call would sit for good among a fan-out's freed buffers.
        decltype(streams_)().swap(streams_);
    }
    s.finish(std::move(outcome));
}

void master_session::fail_stream(center_stream& s, std::string_view code,
                                 std::string_view message) {
    if (s.finished()) {
        return;
    }
    if (s.id_ != 0 && phase_ == phase::authenticated) {
        send(proto::stream_error{s.id_, std::string(code), std::string(message)});
    }
    finish_stream(s, {false, std::string(code), std::string(message)});
}

void master_session::close_stream(center_stream& s) {
    if (s.finished()) {
        return;
    }
    if (s.id_ != 0 && phase_ == phase::authenticated) {
        send(proto::stream_close{s.id_});
    }
    finish_stream(s, {false, "closed", "closed by the center"});
}

void master_session::finish_all_streams(std::string_view code, std::string_view message) {
    auto streams = std::move(streams_);
    streams_.clear();
    ready_streams_.clear();
    ready_streams_.shrink_to_fit();
    for (auto& [id, s] : streams) {
        s->finish({false, std::string(code), std::string(message)});
    }
}

void master_session::check_stalled_streams() {
    run_on_strand([self = shared_from_this()] {
        const auto now = std::chrono::steady_clock::now();
        const auto limit = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            self->state_.options().stream_stall_timeout);
        std::vector<std::pair<std::shared_ptr<center_stream>, std::string>> stalled;
        for (const auto& [id, s] : self->streams_) {
            if (auto why = s->stalled(now, limit)) {
                stalled.emplace_back(s, std::move(*why));
            }
        }
        for (auto& [s, why] : stalled) {  // failing edits streams_: not while iterating it
            logging::warning("stream stalled, failing it", {{"SESSION_ID", self->id_},
                                                            {"STREAM_ID", std::to_string(s->id_)},
                                                            {"ACTION", s->action()},
                                                            {"EVENT", "stream-stalled"}});
            self->fail_stream(*s, proto::stream_error_code::stalled, why);
        }
        // This check came from the sweep's queue; the next one is queued only while streams
        // remain, and open_stream queues one again for a session that had none.
        if (self->streams_.empty()) {
            self->stall_check_scheduled_ = false;
        } else {
            self->state_.schedule_stall_check(self);
        }
    });
}

// Frames for unknown or finished streams are discarded (actions.md A.2): they may have been in
// flight when the stream finished.
void master_session::on_data(const proto::data_frame& frame) {
    auto s = find_stream(frame.stream);
    if (!s) {
        return;
    }
    std::optional<std::uint64_t> credit;
    if (!s->deliver(frame.payload, credit)) {
        return fail_stream(*s, proto::stream_error_code::flow_control,
                           "master " + id_ + " sent more than its window on stream " +
                               std::to_string(frame.stream));
    }
    state_.metrics().stream_bytes_from_master.inc(frame.payload.size());
    if (credit && !s->finished()) {
        send(proto::stream_credit{frame.stream, *credit});
    }
}

void master_session::on_stream_credit(const proto::stream_credit& m) {
    if (auto s = find_stream(m.stream)) {
        s->on_credit(m.bytes);
        schedule_stream(*s);
    }
}

void master_session::on_stream_end(const proto::stream_end& m) {
    if (auto s = find_stream(m.stream)) {
        s->on_remote_end();
        if (s->local_ended() && !s->finished()) {
            finish_stream(*s, {true, {}, {}});
        }
    }
}

void master_session::on_stream_error(const proto::stream_error& m) {
    if (auto s = find_stream(m.stream)) {
        finish_stream(*s, {false, m.code.empty() ? "action-failed" : m.code, m.message});
    }
}

void master_session::on_stream_close(const proto::stream_close& m) {
    if (auto s = find_stream(m.stream)) {
        finish_stream(*s, {false, "closed", "closed by the master"});
    }
}

void master_session::send(const proto::message& m) {
    send(std::make_shared<const std::string>(proto::encode(m)));
}

void master_session::send(frame f) {
    net::dispatch(ws_.get_executor(), [self = shared_from_this(), f = std::move(f)]() mutable {
        self->enqueue(std::move(f));
    });
}

void master_session::enqueue(frame f, bool binary) {
    if (phase_ == phase::closing || finished_) {
        return;
    }
    queued_bytes_ += f->size();
    queue_.push_back({std::move(f), binary});
    if (queued_bytes_ > state_.options().max_write_queue) {
        // The peer has stopped reading; a closing handshake would queue behind the stuck write,
        // so the connection is cut.
        logging::warning("master does not read fast enough, dropping it",
                         {{"SESSION_ID", id_},
                          {"REMOTE_ADDR", remote_},
                          {"QUEUED_BYTES", std::to_string(queued_bytes_)}});
        return abort(disconnect_reason::slow_consumer);
    }
    // The write starts after the current handler, so the frames it queues (stream-open, data
    // and stream-end of a call, say) leave in one batch, one send (batching_stream): on
    // loopback and in VMs each send that reaches the peer costs more than the frames themselves.
    if (!writing_ && !flush_posted_) {
        flush_posted_ = true;
        net::post(ws_.get_executor(), [self = shared_from_this()] {
            self->flush_posted_ = false;
            if (!self->writing_ && !self->queue_.empty() && !self->finished_) {
                self->do_write();
            }
        });
    }
}

void master_session::do_write() {
    if (queue_.size() > 1) {
        ws_.next_layer().hold();  // released when the queue runs empty, which sends the batch
    }
    writing_ = true;
    ws_.binary(queue_.front().binary);
    ws_.async_write(net::buffer(*queue_.front().data),
                    beast::bind_front_handler(&master_session::on_write, shared_from_this()));
}

void master_session::on_write(beast::error_code ec, std::size_t bytes) {
    writing_ = false;
    if (ec) {
        return finish(ec);
    }
    state_.metrics().frames_sent.inc();
    state_.metrics().bytes_sent.inc(bytes);
    if (finished_ || queue_.empty()) {
        return;  // abort() or finish() emptied the queue while this write was in flight
    }
    queued_bytes_ -= queue_.front().data->size();
    queue_.pop_front();
    if (queue_.empty()) {
        queue_.shrink_to_fit();  // an idle session holds no queue block
    }
    pump_streams();  // may start the next write itself
    if (writing_) {
        return;
    }
    if (!queue_.empty()) {
        return do_write();
    }
    if (ws_.next_layer().holding()) {
        ws_.next_layer().release(shared_from_this());
    }
    if (phase_ == phase::closing && pending_close_) {
        do_close();
    }
}

void master_session::close(std::uint16_t code, std::string reason, disconnect_reason why) {
    net::dispatch(ws_.get_executor(),
                  [self = shared_from_this(), code, reason = std::move(reason), why]() mutable {
                      self->start_close(code, std::move(reason), why);
                  });
}

void master_session::shut_down(std::chrono::milliseconds window) {
    net::dispatch(ws_.get_executor(), [self = shared_from_this(), window] {
        if (self->phase_ == phase::authenticated && self->wants_going_away_ && window.count() > 0) {
            thread_local std::mt19937_64 random{std::random_device{}()};
            std::uniform_real_distribution<double> within(0, to_seconds(window));
            self->send(proto::going_away{within(random)});
        }
        self->start_close(proto::close_code::going_away, "center shutting down",
                          disconnect_reason::shutdown);
    });
}

void master_session::start_close(std::uint16_t code, std::string reason, disconnect_reason why) {
    if (phase_ == phase::closing || finished_) {
        return;
    }
    const bool handshake_done = phase_ != phase::handshake;
    phase_ = phase::closing;
    closing_ = true;
    if (why == disconnect_reason::auth_timeout) {
        state_.metrics().auth_timeouts.inc();  // here, once: the sweep may ask twice
    }
    deregister(why);
    if (!handshake_done) {
        return;  // on_accept sees the closing phase and ends the connection
    }
    websocket::close_reason close_reason(code);
    reason.resize(std::min(reason.size(), close_reason.reason.max_size()));
    close_reason.reason.assign(reason.data(), reason.size());
    pending_close_ = close_reason;
    // Frames queued before the close (auth-failed, a last error) still go out first.
    if (queue_.empty()) {
        do_close();
    }
}

void master_session::do_close() {
    websocket::close_reason reason = *pending_close_;
    pending_close_.reset();
    if (ws_.next_layer().holding()) {
        ws_.next_layer().release(shared_from_this());  // the close waits for the peer's answer
    }
    ws_.async_close(reason,
                    [self = shared_from_this()](beast::error_code ec) { self->finish(ec); });
}

void master_session::abort(disconnect_reason why) {
    net::dispatch(ws_.get_executor(), [self = shared_from_this(), why] {
        self->deregister(why);
        self->phase_ = phase::closing;
        self->closing_ = true;
        self->queue_.clear();
        self->queued_bytes_ = 0;
        self->pending_close_.reset();
        beast::error_code ignored;
        beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(self->ws_).close();
    });
}

void master_session::ping() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
        if (self->ping_in_flight_ || self->phase_ != phase::authenticated) {
            return;
        }
        self->ping_in_flight_ = true;
        self->ping_sent_ = clock::now();
        self->ws_.async_ping({}, [self](beast::error_code) { self->ping_in_flight_ = false; });
    });
}

void master_session::on_pong() {
    // Only the answer to our own ping is a round trip; a peer may also send pongs unasked.
    if (ping_sent_) {
        const std::chrono::duration<double> took = clock::now() - *ping_sent_;
        ping_sent_.reset();
        state_.metrics().heartbeat_round_trip.observe(took.count());
    }
}

void master_session::deregister(disconnect_reason why) {
    if (!reason_) {
        reason_ = why;
    }
    if (!authenticated_.load(std::memory_order_relaxed) || deregistered_) {
        return;
    }
    deregistered_ = true;
    state_.sessions().remove_master(id_);
    state_.metrics().disconnected(*reason_);
    // Watchers learn of the disconnect, then of each service that went with it, at once.
    const std::string reason = reason_label(*reason_);
    state_.events().publish(event_type::master_disconnected,
                            {{"master", id_}, {"name", name_}, {"reason", reason}});
    state_.subscriptions().remove_all(id_);
    for (const auto& name : state_.services().remove_all(id_)) {
        state_.events().publish(
            event_type::service_removed,
            {{"master", id_}, {"name", name_}, {"service", name}, {"reason", reason}});
        state_.subscriptions().notify_removed(name, id_, reason);
        logging::info("service removed", {{"SESSION_ID", id_},
                                          {"SERVICE", name},
                                          {"EVENT", "service-removed"},
                                          {"REASON", to_string(*reason_)}});
    }
    if (*reason_ == disconnect_reason::shutdown) {
        finish_all_streams(proto::stream_error_code::center_shutdown,
                           "the center is shutting down");
    } else {
        finish_all_streams(
            proto::stream_error_code::master_disconnected,
            "master " + id_ + " disconnected (" + std::string(to_string(*reason_)) + ")");
    }
    const auto lvl = (*reason_ == disconnect_reason::heartbeat_timeout ||
                      *reason_ == disconnect_reason::slow_consumer ||
                      *reason_ == disconnect_reason::protocol_error)
                         ? logging::level::warning
                         : logging::level::info;
    logging::write(lvl, "master disconnected",
                   {{"SESSION_ID", id_},
                    {"MASTER_NAME", name_},
                    {"REMOTE_ADDR", remote_},
                    {"EVENT", "disconnect"},
                    {"REASON", to_string(*reason_)}});
}

void master_session::finish(beast::error_code ec) {
    if (finished_) {
        return;
    }
    finished_ = true;
    closing_ = true;  // for the sweep, which may still hold an entry for this session
    if (ec && !is_normal_end(ec) && ec != websocket::error::message_too_big) {
        logging::debug("connection error",
                       {{"SESSION_ID", id_}, {"REMOTE_ADDR", remote_}, {"ERROR", ec.message()}});
    }
    deregister(reason_.value_or(disconnect_reason::closed));
    if (!authenticated_.load(std::memory_order_relaxed) && reason_ &&
        *reason_ != disconnect_reason::closed) {
        logging::info("connection closed before authentication",
                      {{"REMOTE_ADDR", remote_}, {"REASON", to_string(*reason_)}});
    }
    queue_.clear();
    queued_bytes_ = 0;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    state_.sessions().remove_connection(this, id_);
}

void master_session::touch() {
    last_seen_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
}

void master_session::release_read_buffer() {
    // Freed, not kept for the next message: most sessions are idle most of the time, and the
    // allocation is small next to decoding a message.
    buffer_.clear();
    buffer_.shrink_to_fit();
}

master_info master_session::info() const {
    master_info out;
    out.id = id_;
    out.name = name_;
    out.labels = labels_;
    out.remote = remote_;
    out.actions = actions();
    out.connected_at = connected_at_;
    out.authenticated_at = authenticated_at_;
    // last_seen is steady-clock; shown as wall-clock by its age.
    const auto age = clock::now() - last_seen();
    out.last_seen_at = std::chrono::system_clock::now() -
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
    return out;
}

}  // namespace regcenter
