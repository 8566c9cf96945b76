// Many calls on one operator WebSocket. Everything here runs on the connection's executor; a
// call's completion (on its master's session) posts the serialized answer into it. Answers
// queued together leave in one send (batching_stream), which is what makes many small calls
// cheaper here than one HTTP request each.
#include "admin_calls.hpp"

#include <boost/json.hpp>

#include "action_call.hpp"
#include "admin_routes.hpp"
#include "center_state.hpp"
#include "job_runner.hpp"
#include "job_store.hpp"
#include "logging.hpp"
#include "operator_websocket.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace json = boost::json;
namespace {

// The answer to a call that did not start: no job, "status":"refused" and why.
std::string refusal(const json::value& id, std::string_view code, std::string_view message) {
    return json::serialize(
        json::object{{"id", id},
                     {"status", "refused"},
                     {"error", json::object{{"code", code}, {"message", message}}}});
}

}  // namespace

std::optional<http_response> start_admin_calls(beast::tcp_stream& stream, center_state& state,
                                               http_request& request) {
    const admin::route_context ctx{state, request, target_path(request.target())};
    if (!admin::authorized(state, request)) {
        return admin::unauthorized(ctx);
    }
    // Opening the endpoint changes nothing; each call is a job with its own audit entry, in the
    // name of the token that opened it (the session keeps it if the token changes later).
    std::make_shared<admin_calls_session>(std::move(stream), state)->run(std::move(request));
    return std::nullopt;
}

admin_calls_session::admin_calls_session(beast::tcp_stream&& stream, center_state& state)
    : ws_(std::move(stream)), state_(state), caller_(admin::caller(state)) {}

admin_calls_session::~admin_calls_session() {
    if (closer_) {
        state_.watcher_ended(*closer_);
    }
}

void admin_calls_session::run(http_request request) {
    prepare_operator_websocket(ws_, state_.options().max_admin_body);
    auto self = shared_from_this();
    net::dispatch(ws_.get_executor(), [self, request = std::move(request)]() mutable {
        self->ws_.async_accept(request,
                               beast::bind_front_handler(&admin_calls_session::on_accept, self));
    });
}

void admin_calls_session::on_accept(beast::error_code ec) {
    if (ec) {
        return;
    }
    // Closed with 1001 when the center stops, after the calls in flight are answered.
    std::weak_ptr<admin_calls_session> weak = shared_from_this();
    closer_ = state_.watcher_started(
        [weak, executor = ws_.get_executor()] {
            net::post(executor, [weak] {
                if (auto self = weak.lock()) {
                    self->shut_down();
                }
            });
        },
        watcher_kind::call_session);
    if (!closer_) {
        return shut_down();  // the center is already stopping
    }
    do_read();
}

void admin_calls_session::do_read() {
    if (reading_ || gone_ || shutting_down_ || closing_) {
        return;
    }
    if (in_flight_ >= max_in_flight || queued_bytes_ >= max_queued_bytes) {
        // Resumed in on_write once answers went out. Beast counts a connection with no read
        // as idle and would cut it, answers due and all: no idle timeout meanwhile.
        if (!paused_) {
            paused_ = true;
            ws_.set_option(timeouts(false));
        }
        return;
    }
    if (paused_) {
        paused_ = false;
        ws_.set_option(timeouts(true));
    }
    reading_ = true;
    ws_.async_read(read_buffer_,
                   beast::bind_front_handler(&admin_calls_session::on_read, shared_from_this()));
}

void admin_calls_session::on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) {
        // Closed, cut or too big (Beast closed with 1009): calls in flight still finish as
        // jobs, but their answers have nowhere to go.
        gone_ = true;
        if (!writing_) {
            answers_.clear();  // else on_write does, once the write lets go of its buffer
        }
        return;
    }
    if (closing_) {
        return;
    }
    if (!ws_.got_text()) {
        return close_with(websocket::close_code::unknown_data,
                          "calls are JSON text messages (docs/admin-api.md)");
    }
    const std::string text = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    start_call(text);
    do_read();
}

void admin_calls_session::start_call(std::string_view text) {
    ++in_flight_;  // until its answer is written, whether it starts or not
    json::error_code ec;
    json::value message = json::parse(text, ec);
    if (ec || !message.is_object()) {
        return answer(refusal(nullptr, "bad-request",
                              ec ? "a call is a JSON object, and this is not JSON: " + ec.message()
                                 : std::string("a call is a JSON object")));
    }
    json::object& fields = message.get_object();
    json::value id;
    if (json::value* given = fields.if_contains("id")) {
        id = std::move(*given);
    }
    std::string problem;
    if (!admin::check_known_keys(
            fields, {"id", "master", "action", "args", "input", "input_base64", "timeout_ms"},
            problem)) {
        return answer(refusal(id, "bad-request", problem));
    }
    const json::value* master = fields.if_contains("master");
    const json::value* action = fields.if_contains("action");
    if (master == nullptr || !master->is_string() || master->get_string().empty()) {
        return answer(refusal(id, "bad-request",
                              "\"master\" must be a master's session id (GET /v1/masters)"));
    }
    if (action == nullptr || !action->is_string() || action->get_string().empty()) {
        return answer(refusal(id, "bad-request", "\"action\" must be an action's name"));
    }
    auto body = admin::read_action_body(fields, problem);
    if (!body) {
        return answer(refusal(id, "bad-request", problem));
    }
    if (shutting_down_) {
        return answer(refusal(id, std::string(proto::stream_error_code::center_shutdown),
                              "the center is stopping"));
    }
    if (state_.jobs().running() >= max_running_jobs) {
        return answer(refusal(id, "too-many-jobs", admin::too_many_jobs_message()));
    }
    call_request call;
    call.master_id = std::string(master->get_string());
    call.action = std::string(action->get_string());
    call.args = std::move(body->args);
    call.input = std::move(body->input);
    call.timeout = body->timeout;
    std::string master_id = call.master_id;
    std::string action_name = call.action;
    start_call_job(
        state_, std::move(call), caller_,
        [self = shared_from_this(), id = std::move(id), master = std::move(master_id),
         action = std::move(action_name)](const std::string& job, call_result r) {
            json::object out{{"id", id}};
            admin::put_call_answer(out, job, master, action, r);
            net::post(self->ws_.get_executor(), [self, text = json::serialize(out)]() mutable {
                self->answer(std::move(text));
            });
        },
        job_request{"GET", std::string(calls_path)});
}

void admin_calls_session::answer(std::string text) {
    if (gone_ || closing_) {
        --in_flight_;
        return;
    }
    if (queued_bytes_ + text.size() > max_unread_bytes) {
        // The operator stopped reading while its calls kept finishing: answers are not kept
        // for it without bound. The calls stay in the job history.
        --in_flight_;
        logging::warning(
            "call session closed: the operator does not read its answers",
            {{"EVENT", "call-session-overflow"}, {"QUEUED_BYTES", std::to_string(queued_bytes_)}});
        return close_with(websocket::close_code::policy_error,
                          "answers not read: over " + std::to_string(max_unread_bytes) +
                              " bytes waiting (GET /v1/jobs has the results)");
    }
    queued_bytes_ += text.size();
    answers_.push_back(std::move(text));
    if (!writing_) {
        do_write();
    }
}

void admin_calls_session::do_write() {
    if (answers_.size() > 1 && !closing_) {
        ws_.next_layer().hold();  // released when the queue runs empty, which sends the batch
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(answers_.front()),
                    beast::bind_front_handler(&admin_calls_session::on_write, shared_from_this()));
}

void admin_calls_session::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec || gone_ || closing_) {
        // A close waits for this write: what is held must go now, and nothing after it.
        gone_ = gone_ || static_cast<bool>(ec);
        answers_.clear();
        queued_bytes_ = 0;
        if (ws_.next_layer().holding()) {
            ws_.next_layer().release(shared_from_this());
        }
        return;
    }
    queued_bytes_ -= answers_.front().size();
    answers_.pop_front();
    --in_flight_;
    if (!answers_.empty()) {
        return do_write();
    }
    if (ws_.next_layer().holding()) {
        ws_.next_layer().release(shared_from_this());
    }
    if (shutting_down_) {
        return close_when_idle();
    }
    do_read();
}

void admin_calls_session::shut_down() {
    shutting_down_ = true;
    close_when_idle();
}

void admin_calls_session::close_when_idle() {
    if (writing_ || in_flight_ > 0) {
        return;  // the last answer's on_write comes back here
    }
    close_with(websocket::close_code::going_away, "the center is stopping");
}

void admin_calls_session::close_with(websocket::close_code code, std::string reason) {
    if (closing_ || gone_) {
        return;
    }
    closing_ = true;
    if (!writing_) {
        answers_.clear();
        queued_bytes_ = 0;
    }
    ws_.async_close({code, reason}, [self = shared_from_this()](beast::error_code) {});
}

websocket::stream_base::timeout admin_calls_session::timeouts(bool idle) {
    // An operator that vanishes without closing is noticed by the keep-alive pings.
    auto t = websocket::stream_base::timeout::suggested(beast::role_type::server);
    if (!idle) {
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
    }
    return t;
}

}  // namespace regcenter
