#include "nats_fleet.hpp"

#include <algorithm>
#include <charconv>
#include <random>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "payload.hpp"
#include "regcenter/detail/backoff.hpp"

namespace regcenter::bench {
namespace {

std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
}
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
// master_config::connect_timeout's default: from connect to ready.
constexpr std::chrono::seconds connect_timeout{10};
}  // namespace

struct nats_fleet::session {
    explicit session(net::io_context& ioc) : socket(ioc), timer(ioc) {}
    tcp::socket socket;
    net::steady_timer timer;  ///< the connect timeout, then the wait before a reconnection
    std::size_t readies = 0;  ///< connections of this session that got ready
    std::size_t readies_at_mark = 0;
    std::string in;          ///< received bytes; parsed from `parsed` on
    std::size_t parsed = 0;  ///< bytes of `in` already handled
    std::string out;         ///< answers gathered while parsing one read, written at once
    bool ready = false;
    payload::sink sink;                ///< the stream this master receives, if any
    std::uint64_t unacknowledged = 0;  ///< stream bytes not yet acknowledged
};

nats_fleet::nats_fleet(tcp::endpoint server)
    : ioc_(1), server_(std::move(server)), seeds_(random_seed()) {}

nats_fleet::~nats_fleet() {
    drop_all();
}

namespace {

constexpr std::uint64_t ack_every = 256 * 1024;  // as regcenter batches its credit

void publish(std::string& out, std::string_view subject, std::string_view data) {
    out += "PUB ";
    out += subject;
    out += ' ';
    out += std::to_string(data.size());
    out += "\r\n";
    out += data;
    out += "\r\n";
}

// Splits "MSG <subject> <sid> [reply-to] <#bytes>" into its words.
std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> w;
    while (!line.empty()) {
        const auto space = line.find(' ');
        if (space != 0) {
            w.push_back(line.substr(0, space));
        }
        line.remove_prefix(space == std::string_view::npos ? line.size() : space + 1);
    }
    return w;
}

}  // namespace

void nats_fleet::on_message(session& s, std::string_view reply, std::string_view data) {
    if (reply.empty()) {
        return;
    }
    if (!reply.starts_with(stream_reply_prefix)) {
        publish(s.out, reply, data);  // echo, for fan-out and unicast requests
        return;
    }
    if (data.empty()) {  // the end of the stream: answer the verdict, be ready for another
        publish(s.out, reply, s.sink.verdict());
        s.sink = {};
        s.unacknowledged = 0;
        return;
    }
    s.sink.feed(data);
    s.unacknowledged += data.size();
    if (s.unacknowledged >= ack_every) {
        publish(s.out, reply, std::to_string(s.unacknowledged));
        s.unacknowledged = 0;
    }
}

// Handles every complete operation in `s.in`; false when the server sent -ERR or garbage.
bool nats_fleet::parse(session& s) {
    for (;;) {
        const std::string_view rest = std::string_view(s.in).substr(s.parsed);
        const auto eol = rest.find("\r\n");
        if (eol == std::string_view::npos) {
            return true;
        }
        const std::string_view line = rest.substr(0, eol);
        if (line.starts_with("MSG ")) {
            const auto w = words(line);
            if (w.size() != 4 && w.size() != 5) {
                return false;
            }
            std::size_t size = 0;
            const std::string_view count = w.back();
            std::from_chars(count.data(), count.data() + count.size(), size);
            if (rest.size() < eol + 2 + size + 2) {
                return true;  // the payload is still on its way
            }
            on_message(s, w.size() == 5 ? w[3] : std::string_view{}, rest.substr(eol + 2, size));
            s.parsed += eol + 2 + size + 2;
            continue;
        }
        if (line.starts_with("PING")) {
            s.out += "PONG\r\n";
        } else if (line.starts_with("PONG") && !s.ready) {
            s.ready = true;
            s.timer.cancel();        // the connect timeout
            if (s.readies++ == 0) {  // the connect phase counts each session once
                ++counts_.ready;
                --counts_.in_flight;
            }
        } else if (line.starts_with("-ERR")) {
            return false;
        }
        s.parsed += eol + 2;
    }
}

net::awaitable<bool> nats_fleet::serve_connection(std::shared_ptr<session> s, std::size_t index) {
    if (open_from_rotating_source(s->socket, index)) {
        co_return false;
    }
    // Like the SDK's connect_timeout: a connect whose SYN was dropped (a full accept backlog
    // while the fleet storms back) would otherwise wait out the kernel's two-minute retries.
    s->timer.expires_after(connect_timeout);
    s->timer.async_wait([s](beast::error_code ec) {
        if (!ec && !s->ready) {
            beast::error_code ignored;
            s->socket.close(ignored);
        }
    });
    auto [connect_ec] = co_await s->socket.async_connect(server_, use_tuple);
    if (connect_ec) {
        co_return false;
    }
    beast::error_code ec;
    s->socket.set_option(tcp::no_delay(true), ec);
    const std::string n = std::to_string(index);
    const std::string hello = R"(CONNECT {"verbose":false,"pedantic":false,"name":"bench-)" + n +
                              "\"}\r\nSUB master." + n + " 1\r\nSUB broadcast 2\r\nPING\r\n";
    auto [write_ec, w] = co_await net::async_write(s->socket, net::buffer(hello), use_tuple);
    if (write_ec) {
        co_return false;
    }
    // INFO first, then our PONG (ready); afterwards the server's PINGs and the messages.
    constexpr std::size_t read_size = 64 * 1024;
    for (;;) {
        if (s->parsed > 0) {
            s->in.erase(0, s->parsed);
            s->parsed = 0;
        }
        const std::size_t held = s->in.size();
        s->in.resize(held + read_size);
        auto [read_ec, got] = co_await s->socket.async_read_some(
            net::buffer(s->in.data() + held, read_size), use_tuple);
        s->in.resize(held + got);
        if (read_ec || !parse(*s)) {
            break;
        }
        if (!s->out.empty()) {
            auto [out_ec, sent] =
                co_await net::async_write(s->socket, net::buffer(s->out), use_tuple);
            s->out.clear();
            if (out_ec) {
                break;
            }
        }
    }
    co_return s->ready;
}

net::awaitable<void> nats_fleet::run_session(std::shared_ptr<session> s, std::size_t index) {
    // Without reconnection a failed first connection is final; with it, the first connection
    // is retried like any other, as an SDK master keeps trying until it is in.
    if (!co_await serve_connection(s, index) && !reconnect_) {
        ++counts_.failed;
        --counts_.in_flight;
        co_return;
    }
    // A lost server is reconnected the way an SDK master does it (regcenter::detail::backoff
    // with master_config's defaults): full jitter from 2 s, doubling per failed attempt up to
    // 60 s, so the storm figures of both systems come from the same policy. Seeded at random
    // like the SDK's: with fixed seeds every run would draw the same slowest master.
    detail::backoff delays(std::chrono::seconds(2), std::chrono::seconds(60), seeds_());
    while (reconnect_ && !stopping_) {
        s->timer.expires_after(delays.next());
        co_await s->timer.async_wait(use_tuple);
        if (stopping_) {
            break;
        }
        beast::error_code ignored;
        s->socket.close(ignored);
        s->in.clear();
        s->parsed = 0;
        s->out.clear();
        s->ready = false;
        if (co_await serve_connection(s, index)) {
            delays.reset();  // it was back, then lost again
        }
    }
}

connect_result nats_fleet::connect(std::size_t count, std::size_t parallel,
                                   std::chrono::seconds limit) {
    return start_sessions(ioc_, sessions_, counts_, count, parallel, limit,
                          [this](auto s, std::size_t index) { return run_session(s, index); });
}

void nats_fleet::mark() {
    for (auto& s : sessions_) {
        s->readies_at_mark = s->readies;
    }
}

std::size_t nats_fleet::back_since_mark() const {
    return static_cast<std::size_t>(
        std::count_if(sessions_.begin(), sessions_.end(),
                      [](const auto& s) { return s->readies > s->readies_at_mark; }));
}

void nats_fleet::hold(std::chrono::milliseconds d) {
    ioc_.restart();
    ioc_.run_for(d);
}

void nats_fleet::drop_all() {
    stopping_ = true;
    for (auto& s : sessions_) {
        beast::error_code ignored;
        s->socket.close(ignored);
        s->timer.cancel();
    }
    ioc_.restart();
    ioc_.run_for(std::chrono::milliseconds(100));
    sessions_.clear();
}

}  // namespace regcenter::bench
