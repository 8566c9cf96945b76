// Admin connections time out when idle so that a forgotten client can't hold a socket forever.
#include "admin_session.hpp"

#include "admin_api.hpp"
#include "admin_calls.hpp"
#include "admin_events.hpp"
#include "admin_stream.hpp"
#include "center_state.hpp"
#include "logging.hpp"

namespace regcenter {
namespace {
constexpr std::chrono::seconds admin_read_timeout{30};
}

admin_session::admin_session(tcp::socket&& socket, center_state& state)
    : stream_(std::move(socket)), state_(state) {
    state_.metrics().admin_connections_accepted.inc();
}

void admin_session::run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&admin_session::do_read, shared_from_this()));
}

void admin_session::do_read() {
    parser_.emplace();
    parser_->body_limit(state_.options().max_admin_body);
    stream_.expires_after(admin_read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&admin_session::on_read, shared_from_this()));
}

void admin_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        return;
    }
    if (ec) {
        const bool too_big = ec == http::error::body_limit;
        return write_response(
            error_response(too_big ? http::status::payload_too_large : http::status::bad_request,
                           too_big ? "payload-too-large" : "bad-request",
                           too_big ? "request body over " +
                                         std::to_string(state_.options().max_admin_body) + " bytes"
                                   : "malformed HTTP request: " + ec.message()),
            false);
    }
    if (is_events_request(parser_->get())) {
        // A watcher (WebSocket or Server-Sent Events) takes the connection over; a refused
        // plain request keeps it, a refused upgrade closes it as the stream endpoint does.
        const bool upgrade = websocket::is_upgrade(parser_->get());
        http_request request = parser_->release();
        if (auto refusal = start_event_watch(stream_, state_, request)) {
            const bool keep_alive = !upgrade && refusal->keep_alive();
            refusal->keep_alive(keep_alive);
            return write_response(std::move(*refusal), keep_alive);
        }
        return;
    }
    if (websocket::is_upgrade(parser_->get()) &&
        target_path(parser_->get().target()) == calls_path) {
        // The call endpoint takes the connection over; this session ends here.
        http_request request = parser_->release();
        if (auto refusal = start_admin_calls(stream_, state_, request)) {
            return write_response(std::move(*refusal), false);
        }
        return;
    }
    if (websocket::is_upgrade(parser_->get())) {
        // The stream endpoint takes the connection over; this session ends here.
        http_request request = parser_->release();
        if (auto refusal = start_admin_stream(stream_, state_, request)) {
            return write_response(std::move(*refusal), false);
        }
        return;
    }
    // The answer may come later from another thread (a running action): it is posted back to
    // this connection's strand. No new request is read meanwhile (no pipelining).
    handle_admin_request(state_, parser_->get(), [self = shared_from_this()](http_response r) {
        net::dispatch(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
            logging::debug("admin request", {{"METHOD", self->parser_->get().method_string()},
                                             {"TARGET", self->parser_->get().target()},
                                             {"STATUS", std::to_string(r.result_int())}});
            const bool keep_alive = r.keep_alive();
            self->write_response(std::move(r), keep_alive);
        });
    });
}

void admin_session::write_response(http_response response, bool keep_alive) {
    auto shared = std::make_shared<http_response>(std::move(response));
    response_ = shared;
    stream_.expires_after(admin_read_timeout);  // a long action may have used up the read's
    http::async_write(
        stream_, *shared,
        beast::bind_front_handler(&admin_session::on_write, shared_from_this(), keep_alive));
}

void admin_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    response_.reset();
    if (ec || !keep_alive) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        return;
    }
    do_read();
}

}  // namespace regcenter
