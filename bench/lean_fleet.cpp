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
        ++failed_;
        --in_flight_;
    };
    tcp::socket& socket = beast::get_lowest_layer(s->ws).socket();
    beast::error_code ec;
    socket.open(tcp::v4(), ec);
    // 127.0.0.2 … 127.0.0.9: eight source addresses, each with its own ephemeral port range.
    const auto source =
        net::ip::make_address_v4(static_cast<std::uint32_t>(0x7f000002 + index % 8));
    socket.bind({source, 0}, ec);
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
    ++authenticated_;
    --in_flight_;
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

lean_fleet::connect_result lean_fleet::connect(std::size_t count, std::size_t parallel,
                                               std::chrono::seconds limit) {
    ioc_.restart();  // a context that ran out of work is stopped until restarted
    const std::size_t first = sessions_.size();
    const std::size_t done_target = authenticated_ + failed_ + count;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + limit;
    std::size_t next = first;
    const std::size_t end = first + count;
    const std::size_t authenticated_before = authenticated_;
    const std::size_t failed_before = failed_;
    while (authenticated_ + failed_ < done_target && std::chrono::steady_clock::now() < deadline) {
        while (in_flight_ < parallel && next < end) {
            auto s = std::make_shared<session>(ioc_);
            sessions_.push_back(s);
            ++in_flight_;
            net::co_spawn(ioc_, run_session(s, next), net::detached);
            ++next;
        }
        ioc_.run_for(std::chrono::milliseconds(1));
    }
    connect_result r;
    r.authenticated = authenticated_ - authenticated_before;
    r.failed = failed_ - failed_before;
    r.elapsed = std::chrono::steady_clock::now() - start;
    return r;
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
