// A call is a stream plus a deadline: the first of "the master ended", "the stream failed" and
// "the deadline passed" decides the result.
#include "action_call.hpp"

#include "center_state.hpp"
#include "center_stream.hpp"
#include "master_session.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace {

struct call_context {
    explicit call_context(net::any_io_executor strand) : deadline(std::move(strand)) {}
    net::steady_timer deadline;
    std::string output;
    std::size_t max_output = 0;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::function<void(call_result)> done;
    std::weak_ptr<center_stream> stream;
};

}  // namespace

std::string call_status(const stream_outcome& outcome) {
    if (outcome.ok) {
        return "ok";
    }
    if (outcome.code == proto::stream_error_code::timeout) {
        return "timeout";
    }
    if (outcome.code == proto::stream_error_code::master_disconnected ||
        outcome.code == proto::stream_error_code::center_shutdown) {
        return "disconnected";
    }
    return "error";
}

void start_call(center_state& state, call_request request, std::function<void(call_result)> done) {
    auto input = std::make_shared<const std::string>(std::move(request.input));
    start_call(state, std::move(request), std::move(input), std::move(done));
}

void start_call(center_state& state, call_request request, std::shared_ptr<const std::string> input,
                std::function<void(call_result)> done) {
    auto session = state.sessions().find_master(request.master_id);
    start_call(std::move(session), std::move(request), std::move(input), std::move(done));
}

void start_call(std::shared_ptr<master_session> session, call_request request,
                std::shared_ptr<const std::string> input, std::function<void(call_result)> done) {
    if (!session) {
        call_result r;
        r.status = "not-found";
        r.error_code = "master-not-found";
        r.error_message = "no connected master has session id " + request.master_id;
        return done(std::move(r));
    }
    // The deadline runs on the session's strand, like the stream's callbacks, so the two
    // never race.
    auto ctx = std::make_shared<call_context>(session->executor());
    ctx->max_output = request.max_output;
    ctx->done = std::move(done);

    stream_handlers handlers;
    handlers.on_data = [ctx](std::string_view bytes) {
        if (ctx->output.size() + bytes.size() > ctx->max_output) {
            if (auto s = ctx->stream.lock()) {
                s->fail("output-too-large",
                        "output over " + std::to_string(ctx->max_output) +
                            " bytes; use the stream endpoint for large outputs");
            }
            return;
        }
        ctx->output.append(bytes);
    };
    handlers.on_finish = [ctx](const stream_outcome& outcome) {
        ctx->deadline.cancel();
        call_result r;
        r.status = call_status(outcome);
        r.error_code = outcome.code;
        r.error_message = outcome.message;
        r.output = std::move(ctx->output);
        r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - ctx->started);
        auto done = std::move(ctx->done);
        done(std::move(r));
    };
    auto stream = std::make_shared<center_stream>(session, request.master_id, request.action,
                                                  std::move(request.args), std::move(handlers));
    ctx->stream = stream;
    // Preloading writes the stream's fields from this thread, so it comes before the deadline,
    // whose handler reaches the stream from the session's strand.
    const bool over_bound = input && input->size() > center_stream::max_pending();
    if (!over_bound) {
        stream->preload(std::move(input));
    }
    ctx->deadline.expires_after(request.timeout);
    ctx->deadline.async_wait([ctx, timeout = request.timeout](beast::error_code ec) {
        if (ec) {
            return;
        }
        if (auto s = ctx->stream.lock()) {
            s->fail(std::string(proto::stream_error_code::timeout),
                    "no result within " + std::to_string(timeout.count()) + " ms (timeout_ms)");
        }
    });
    session->open_stream(stream);
    if (over_bound) {
        stream->write(std::move(input));  // fails the stream as "stalled"
        stream->end();
    }
}

}  // namespace regcenter
