#include "lean_fleet.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "regcenter/proto/messages.hpp"

namespace regcenter::bench {
namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
}

struct lean_fleet::session {
    explicit session(net::io_context& ioc) : ws(ioc) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
};

lean_fleet::lean_fleet(tcp::endpoint center, std::string token)
    : ioc_(1), center_(std::move(center)), token_(std::move(token)) {}

lean_fleet::~lean_fleet() {
    drop_all();
}

net::awaitable<void> lean_fleet::run_session(std::shared_ptr<session> s, std::size_t index) {
    auto fail = [&] {
        ++counts_.failed;
        --counts_.in_flight;
    };
    tcp::socket& socket = beast::get_lowest_layer(s->ws).socket();
    beast::error_code ec = open_from_rotating_source(socket, index);
    if (ec) {
        fail();
        co_return;
    }
    auto [connect_ec] = co_await socket.async_connect(center_, use_tuple);
    if (connect_ec) {
        fail();
        co_return;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto [handshake_ec] = co_await s->ws.async_handshake("127.0.0.1", "/v1/master", use_tuple);
    if (handshake_ec) {
        fail();
        co_return;
    }
    const std::string auth =
        proto::encode(proto::auth{token_, "bench-" + std::to_string(index), {}});
    auto [write_ec, w] = co_await s->ws.async_write(net::buffer(auth), use_tuple);
    auto [read_ec, r] = co_await s->ws.async_read(s->buffer, use_tuple);
    if (write_ec || read_ec) {
        fail();
        co_return;
    }
    const auto answer = proto::decode(beast::buffers_to_string(s->buffer.data()));
    s->buffer.consume(s->buffer.size());
    if (!answer || !std::holds_alternative<proto::auth_success>(answer.value())) {
        fail();
        co_return;
    }
    ++counts_.ready;
    --counts_.in_flight;
    ++open_;
    // Idle: a pending read lets Beast answer the center's pings; anything else is discarded.
    for (;;) {
        auto [ec2, n] = co_await s->ws.async_read(s->buffer, use_tuple);
        if (ec2) {
            break;
        }
        s->buffer.consume(s->buffer.size());
    }
    --open_;
}

connect_result lean_fleet::connect(std::size_t count, std::size_t parallel,
                                   std::chrono::seconds limit) {
    return start_sessions(ioc_, sessions_, counts_, count, parallel, limit,
                          [this](auto s, std::size_t index) { return run_session(s, index); });
}

void lean_fleet::hold(std::chrono::milliseconds d) {
    ioc_.restart();
    ioc_.run_for(d);
}

std::size_t lean_fleet::open() const {
    return open_;
}

void lean_fleet::drop_all() {
    for (auto& s : sessions_) {
        beast::error_code ignored;
        beast::get_lowest_layer(s->ws).socket().close(ignored);
    }
    ioc_.run_for(std::chrono::milliseconds(100));
    sessions_.clear();
    ioc_.restart();
}

}  // namespace regcenter::bench
