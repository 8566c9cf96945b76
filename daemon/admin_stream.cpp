// One operator WebSocket joined to one action stream. Everything here runs on the admin
// connection's strand; the center_stream's callbacks (on the master session's strand) post
// into it.
#include "admin_stream.hpp"

#include <boost/json.hpp>

#include "action_call.hpp"
#include "admin_routes.hpp"
#include "center_state.hpp"
#include "center_stream.hpp"
#include "job_runner.hpp"
#include "logging.hpp"
#include "master_session.hpp"
#include "operator_websocket.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace json = boost::json;
namespace {

// Close codes of the stream endpoint (docs/admin-api.md): 4000 + the HTTP status that means
// the same, so they read naturally.
constexpr std::uint16_t close_bad_request = 4400;
constexpr std::uint16_t close_not_found = 4404;
constexpr std::uint16_t close_action_failed = 4500;
constexpr std::uint16_t close_master_gone = 4502;
constexpr std::uint16_t close_timeout = 4504;

std::uint16_t close_code_for(const stream_outcome& outcome) {
    namespace code = proto::stream_error_code;
    if (outcome.ok) {
        return proto::close_code::normal;
    }
    if (outcome.code == code::unknown_action) {
        return close_not_found;
    }
    if (outcome.code == code::master_disconnected) {
        return close_master_gone;
    }
    if (outcome.code == code::center_shutdown) {
        return proto::close_code::going_away;
    }
    if (outcome.code == code::timeout || outcome.code == code::stalled) {
        return close_timeout;
    }
    return close_action_failed;
}

// A close reason is at most 123 bytes; the full message went in the preceding text frame.
std::string close_reason_text(const stream_outcome& outcome) {
    std::string text = outcome.code + ": " + outcome.message;
    if (text.size() > 123) {
        text.resize(120);
        while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) {
            text.pop_back();  // don't cut a UTF-8 sequence in half
        }
        if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) {
            text.pop_back();
        }
        text += "...";
    }
    return text;
}

}  // namespace

namespace {

// The checks after authorization; a refusal is audited by the caller.
std::optional<http_response> start_authorized_stream(beast::tcp_stream& stream, center_state& state,
                                                     http_request& request,
                                                     const admin::route_context& ctx) {
    if (auto refusal = admin::refuse_if_too_many_jobs(ctx)) {
        return refusal;
    }
    auto path = admin::parse_action_path(ctx.path);
    if (!path || !path->stream) {
        return ctx.fail(http::status::not_found, "not-found",
                        "no WebSocket endpoint at " + std::string(ctx.path));
    }
    auto session = state.sessions().find_master(path->master);
    if (!session) {
        return ctx.fail(http::status::not_found, "master-not-found",
                        "no connected master has session id " + path->master);
    }
    if (!session->offers(path->action)) {
        return ctx.fail(http::status::not_found,
                        std::string(proto::stream_error_code::unknown_action),
                        "master " + path->master + " does not offer action \"" + path->action +
                            "\" (GET /v1/masters/" + path->master + " lists its actions)");
    }
    json::value args;
    if (request.target().find('?') != std::string_view::npos) {
        if (auto text = query_param(request.target(), "args")) {
            json::error_code ec;
            args = json::parse(*text, ec);
            if (ec) {
                return ctx.fail(http::status::bad_request, "bad-request",
                                "\"args\" is not valid JSON (URL-encode it): " + ec.message());
            }
        } else if (has_query_param(request.target(), "args")) {
            return ctx.fail(http::status::bad_request, "bad-request",
                            "\"args\" is not correctly URL-encoded");
        }
    }
    std::make_shared<admin_stream_session>(std::move(stream), state, std::move(path->master),
                                           std::move(path->action), std::move(args))
        ->run(std::move(request));
    return std::nullopt;
}

}  // namespace

std::optional<http_response> start_admin_stream(beast::tcp_stream& stream, center_state& state,
                                                http_request& request) {
    const admin::route_context ctx{state, request, target_path(request.target())};
    if (!admin::authorized(state, request)) {
        return admin::unauthorized(ctx);
    }
    // An accepted stream is a job, audited when it finishes; a refused one is audited here.
    auto refusal = start_authorized_stream(stream, state, request, ctx);
    if (refusal) {
        admin::audit_stream_refusal(ctx, *refusal);
    }
    return refusal;
}

admin_stream_session::admin_stream_session(beast::tcp_stream&& stream, center_state& state,
                                           std::string master, std::string action, json::value args)
    : ws_(std::move(stream)),
      state_(state),
      master_(std::move(master)),
      action_(std::move(action)),
      args_(std::move(args)) {
    state_.operator_stream_started();
}

admin_stream_session::~admin_stream_session() {
    state_.operator_stream_ended();
}

template <class F>
void admin_stream_session::post(F&& f) {
    net::post(ws_.get_executor(), std::forward<F>(f));
}

void admin_stream_session::run(http_request request) {
    path_ = std::string(target_path(request.target()));
    prepare_operator_websocket(ws_, max_input_in_flight);
    auto self = shared_from_this();
    net::dispatch(ws_.get_executor(), [self, request = std::move(request)]() mutable {
        self->ws_.async_accept(request,
                               beast::bind_front_handler(&admin_stream_session::on_accept, self));
    });
}

void admin_stream_session::on_accept(beast::error_code ec) {
    if (ec) {
        return;
    }
    auto session = state_.sessions().find_master(master_);
    job_record record;
    record.kind = "stream";
    record.action = action_;
    record.args = args_;
    record.started_by = admin::caller(state_);
    record.admin_request = {"GET", path_};
    job_result target;
    target.master = master_;
    if (session) {
        target.name = session->info().name;
    }
    record.results.push_back(std::move(target));
    job_ = state_.jobs().start(std::move(record));
    logging::info(
        "operator stream opened",
        {{"JOB_ID", job_}, {"SESSION_ID", master_}, {"ACTION", action_}, {"EVENT", "job-started"}});

    if (!session) {
        return on_stream_finished({false,
                                   std::string(proto::stream_error_code::master_disconnected),
                                   "master " + master_ + " disconnected"});
    }
    // The handlers own this session: they live until the stream finishes (finish() drops
    // them), so the session outlives every callback that may still reach it, even while no
    // socket operation of its own is pending (input paused, nothing to write).
    auto self = shared_from_this();
    stream_handlers handlers;
    handlers.consume_manually = true;  // credited in on_write, once the operator took it
    handlers.on_data = [self](std::string_view bytes) {
        self->post([self, data = std::string(bytes)]() mutable {
            const std::size_t size = data.size();
            self->enqueue({std::move(data), true, size});
        });
    };
    handlers.on_end = [self] {
        self->post([self] {
            self->enqueue({json::serialize(json::object{{"cmd", "end"}}), false, 0});
        });
    };
    handlers.on_finish = [self](const stream_outcome& outcome) {
        self->post([self, outcome] { self->on_stream_finished(outcome); });
    };
    stream_ = std::make_shared<center_stream>(session, master_, action_, std::move(args_),
                                              std::move(handlers));
    session->open_stream(stream_);
    do_read();
}

void admin_stream_session::do_read() {
    if (reading_ || gone_ || input_in_flight_ >= max_input_in_flight) {
        return;  // a full pipe resumes in on_input_sent
    }
    reading_ = true;
    ws_.async_read(read_buffer_,
                   beast::bind_front_handler(&admin_stream_session::on_read, shared_from_this()));
}

void admin_stream_session::on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) {
        if (ec == websocket::error::message_too_big) {
            refuse_input("a message over " + std::to_string(max_input_in_flight) +
                         " bytes; send binary messages of at most 1 MiB");
        }
        gone_ = true;
        abort_stream();
        return;
    }
    std::string data = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    if (stream_finished_ || closing_) {
        return do_read();  // drain until the close handshake completes
    }
    if (ws_.got_binary()) {
        if (input_ended_) {
            return refuse_input("data after {\"cmd\":\"end\"}");
        }
        const std::size_t size = data.size();
        bytes_in_ += size;
        input_in_flight_ += size;
        stream_->write(std::move(data), [self = shared_from_this(), size] {
            self->post([self, size] { self->on_input_sent(size); });
        });
        return do_read();
    }
    json::error_code jec;
    const json::value control = json::parse(data, jec);
    const json::string* cmd = nullptr;
    if (!jec && control.is_object()) {
        if (const json::value* c = control.get_object().if_contains("cmd"); c && c->is_string()) {
            cmd = &c->get_string();
        }
    }
    if (cmd == nullptr || *cmd != "end") {
        return refuse_input(
            "text messages are control: only {\"cmd\":\"end\"}; data goes in binary messages");
    }
    if (!input_ended_) {
        input_ended_ = true;
        stream_->end();
    }
    do_read();
}

void admin_stream_session::refuse_input(std::string why) {
    logging::warning(
        "operator stream input refused",
        {{"JOB_ID", job_}, {"SESSION_ID", master_}, {"ACTION", action_}, {"REASON", why}});
    input_error_ = "the operator sent " + why;
    abort_stream();
    close_with(close_bad_request, why);
}

void admin_stream_session::on_input_sent(std::size_t bytes) {
    input_in_flight_ -= std::min(bytes, input_in_flight_);
    do_read();
}

void admin_stream_session::enqueue(outgoing message) {
    if (gone_) {
        return;
    }
    bytes_out_ += message.credit;  // the master's bytes, counted as they reach this session
    queue_.push_back(std::move(message));
    do_write();
}

void admin_stream_session::do_write() {
    if (writing_ || gone_) {
        return;
    }
    if (queue_.empty()) {
        if (close_after_queue_ && !closing_) {
            closing_ = true;
            ws_.async_close(*close_after_queue_,
                            [self = shared_from_this()](beast::error_code) { self->gone_ = true; });
        }
        return;
    }
    writing_ = true;
    ws_.binary(queue_.front().binary);
    ws_.async_write(net::buffer(queue_.front().data),
                    beast::bind_front_handler(&admin_stream_session::on_write, shared_from_this()));
}

void admin_stream_session::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        gone_ = true;
        queue_.clear();
        abort_stream();
        return;
    }
    const std::size_t credit = queue_.front().credit;
    queue_.pop_front();
    if (credit > 0) {
        stream_->consumed(credit);
    }
    do_write();
}

void admin_stream_session::on_stream_finished(const stream_outcome& outcome) {
    if (stream_finished_) {
        return;
    }
    stream_finished_ = true;
    job_result result;
    result.status = job_status_from(call_status(outcome));
    result.output_bytes = bytes_out_;
    if (!outcome.ok) {
        job_error error{outcome.code, outcome.message};
        if (outcome.code == "closed" && !input_error_.empty()) {
            error.message = input_error_;
        } else if (outcome.code == "closed" && gone_) {
            error.message = "the operator closed the stream";
        }
        result.error = std::make_shared<const job_error>(std::move(error));
    }
    result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    state_.jobs().record(job_, 0, result);
    logging::info("operator stream finished",
                  {{"JOB_ID", job_},
                   {"SESSION_ID", master_},
                   {"ACTION", action_},
                   {"EVENT", "job-finished"},
                   {"STATUS", to_string(result.status)},
                   {"BYTES_IN", std::to_string(bytes_in_)},
                   {"BYTES_OUT", std::to_string(bytes_out_)},
                   {"DURATION_MS", std::to_string(result.duration.count())}});
    if (gone_) {
        return;
    }
    if (!outcome.ok) {
        enqueue({json::serialize(json::object{
                     {"cmd", "error"}, {"code", outcome.code}, {"message", outcome.message}}),
                 false, 0});
    }
    close_with(close_code_for(outcome), outcome.ok ? std::string() : close_reason_text(outcome));
}

void admin_stream_session::close_with(std::uint16_t code, std::string reason) {
    if (close_after_queue_) {
        return;
    }
    websocket::close_reason close(code);
    close.reason.assign(reason.data(), std::min(reason.size(), close.reason.max_size()));
    close_after_queue_ = close;
    do_write();
}

void admin_stream_session::abort_stream() {
    if (stream_ && !stream_finished_) {
        stream_->close();
    }
}

}  // namespace regcenter
