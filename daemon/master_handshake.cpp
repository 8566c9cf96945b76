// Master port HTTP handling: only the versioned WebSocket path is served there.
#include "master_handshake.hpp"

#include "center_state.hpp"
#include "http_util.hpp"
#include "listener.hpp"
#include "logging.hpp"
#include "master_session.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace {
// An upgrade request is small; anything bigger is not a master.
constexpr std::size_t max_upgrade_request = 16 * 1024;
}  // namespace

master_handshake::master_handshake(tcp::socket&& socket, center_state& state)
    : stream_(std::move(socket)), state_(state), connected_at_(std::chrono::system_clock::now()) {
    state_.metrics().master_connections_accepted.inc();
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : to_string(peer);
}

void master_handshake::run() {
    parser_.emplace();
    parser_->header_limit(max_upgrade_request);
    parser_->body_limit(max_upgrade_request);
    stream_.expires_after(state_.options().auth_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&master_handshake::on_read, shared_from_this()));
}

void master_handshake::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (ec == beast::error::timeout) {
            state_.metrics().auth_timeouts.inc();  // the deadline is auth.timeout
            logging::warning("no upgrade request in time", {{"REMOTE_ADDR", remote_}});
        } else if (ec != http::error::end_of_stream) {
            logging::debug("bad HTTP request on the master port",
                           {{"REMOTE_ADDR", remote_}, {"ERROR", ec.message()}});
        }
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        return;
    }
    auto request = parser_->release();
    version_ = request.version();
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != proto::master_path) {
        return refuse(http::status::not_found, "not-found",
                      "no such endpoint; masters connect to " + std::string(proto::master_path));
    }
    if (!websocket::is_upgrade(request)) {
        return refuse(http::status::upgrade_required, "upgrade-required",
                      "this endpoint speaks WebSocket only");
    }
    if (!state_.accepting()) {
        return refuse(http::status::service_unavailable, "shutting-down",
                      "the center is shutting down");
    }
    // Not make_shared: the sweep's queue holds weak_ptrs to sessions for up to a heartbeat
    // timeout, and with make_shared those would keep the whole session's memory after it ended.
    std::shared_ptr<master_session> session(
        new master_session(std::move(stream_), state_, remote_, connected_at_));
    state_.add_connection(session);
    session->start(std::move(request));
}

void master_handshake::refuse(http::status status, std::string_view code, std::string message) {
    auto response =
        std::make_shared<http_response>(error_response(status, code, message, version_, false));
    if (status == http::status::upgrade_required) {
        response->set(http::field::upgrade, "websocket");
    }
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code, std::size_t) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
                      });
}

}  // namespace regcenter
