#include "nats_fleet.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace regcenter::bench {
namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
}

struct nats_fleet::session {
    explicit session(net::io_context& ioc) : socket(ioc) {}
    tcp::socket socket;
    std::string buffer;
};

nats_fleet::nats_fleet(tcp::endpoint server) : ioc_(1), server_(std::move(server)) {}

nats_fleet::~nats_fleet() {
    drop_all();
}

net::awaitable<void> nats_fleet::run_session(std::shared_ptr<session> s, std::size_t index) {
    bool ready = false;
    auto fail = [&] {
        ++counts_.failed;
        --counts_.in_flight;
    };
    if (open_from_rotating_source(s->socket, index)) {
        fail();
        co_return;
    }
    auto [connect_ec] = co_await s->socket.async_connect(server_, use_tuple);
    if (connect_ec) {
        fail();
        co_return;
    }
    beast::error_code ec;
    s->socket.set_option(tcp::no_delay(true), ec);
    const std::string n = std::to_string(index);
    const std::string hello = R"(CONNECT {"verbose":false,"pedantic":false,"name":"bench-)" + n +
                              "\"}\r\nSUB master." + n + " 1\r\nSUB broadcast 2\r\nPING\r\n";
    auto [write_ec, w] = co_await net::async_write(s->socket, net::buffer(hello), use_tuple);
    if (write_ec) {
        fail();
        co_return;
    }
    // Line by line: INFO first, then our PONG (ready); afterwards the server's PINGs.
    for (;;) {
        auto [read_ec, length] = co_await net::async_read_until(
            s->socket, net::dynamic_buffer(s->buffer), "\r\n", use_tuple);
        if (read_ec) {
            break;
        }
        const std::string_view line(s->buffer.data(), length);
        if (line.starts_with("PONG")) {
            if (!ready) {
                ready = true;
                ++counts_.ready;
                --counts_.in_flight;
            }
        } else if (line.starts_with("PING")) {
            static const std::string pong = "PONG\r\n";
            auto [pong_ec, p] = co_await net::async_write(s->socket, net::buffer(pong), use_tuple);
            if (pong_ec) {
                break;
            }
        } else if (line.starts_with("-ERR")) {
            break;
        }
        s->buffer.erase(0, length);
    }
    if (!ready) {
        fail();
    }
}

connect_result nats_fleet::connect(std::size_t count, std::size_t parallel,
                                   std::chrono::seconds limit) {
    return start_sessions(ioc_, sessions_, counts_, count, parallel, limit,
                          [this](auto s, std::size_t index) { return run_session(s, index); });
}

void nats_fleet::hold(std::chrono::milliseconds d) {
    ioc_.restart();
    ioc_.run_for(d);
}

void nats_fleet::drop_all() {
    for (auto& s : sessions_) {
        beast::error_code ignored;
        s->socket.close(ignored);
    }
    ioc_.restart();
    ioc_.run_for(std::chrono::milliseconds(100));
    sessions_.clear();
}

}  // namespace regcenter::bench
