#include "lean_fleet.hpp"

#include <netinet/tcp.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "payload.hpp"
#include "regcenter/common/websocket_writes.hpp"
#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/stream_window.hpp"

namespace regcenter::bench {
namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
}

// One stream the center opened on a bench master.
struct open_stream {
    proto::stream_id id = 0;
    bool echo = false;  ///< "echo" (else "sink")
    std::string input;  ///< echo: what to send back
    payload::sink sink;
    proto::stream_window window{proto::streams::initial_window};
};

struct lean_fleet::session {
    explicit session(net::io_context& ioc) : ws(ioc) {}
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    std::vector<open_stream> streams;  ///< few at a time: a linear search is the fastest

    open_stream* find(proto::stream_id id) {
        auto it = std::find_if(streams.begin(), streams.end(),
                               [id](const open_stream& s) { return s.id == id; });
        return it == streams.end() ? nullptr : &*it;
    }
    void erase(proto::stream_id id) {
        std::erase_if(streams, [id](const open_stream& s) { return s.id == id; });
    }
};

namespace {

void set_cork(int socket, bool on) {
    const int value = on ? 1 : 0;
    ::setsockopt(socket, IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

net::awaitable<bool> send(websocket::stream<beast::tcp_stream>& ws, std::string_view frame,
                          bool binary) {
    ws.binary(binary);
    auto [ec, n] = co_await ws.async_write(net::buffer(frame), use_tuple);
    co_return !ec;
}

net::awaitable<bool> send(websocket::stream<beast::tcp_stream>& ws, const proto::message& m) {
    co_return co_await send(ws, proto::encode(m), false);
}

}  // namespace

net::awaitable<bool> lean_fleet::on_data(session& s, std::string_view frame) {
    const auto data = proto::decode_data_frame(frame);
    if (!data) {
        co_return false;
    }
    open_stream* stream = s.find(data->stream);
    if (stream == nullptr) {
        co_return true;  // in flight when the stream finished (actions.md A.2)
    }
    if (stream->echo) {
        stream->input.append(data->payload);
    } else {
        stream->sink.feed(data->payload);
    }
    stream->window.on_received(data->payload.size());
    if (const auto grant = stream->window.on_consumed(data->payload.size())) {
        co_return co_await send(s.ws, proto::stream_credit{data->stream, *grant});
    }
    co_return true;
}

net::awaitable<bool> lean_fleet::answer(session& s, proto::stream_id id) {
    open_stream* stream = s.find(id);
    // The answer fits one data frame: echo inputs are 64 bytes, verdicts a few more.
    const std::string answer = stream->echo ? std::move(stream->input) : stream->sink.verdict();
    s.erase(id);
    // Corked, the answer and the end leave in one TCP send, as the center sends its side.
    const int native = beast::get_lowest_layer(s.ws).socket().native_handle();
    set_cork(native, true);
    const bool sent = co_await send(s.ws, proto::encode_data_frame(id, answer), true) &&
                      co_await send(s.ws, proto::stream_end{id});
    set_cork(native, false);
    co_return sent;
}

net::awaitable<bool> lean_fleet::on_control(session& s, std::string_view frame) {
    auto decoded = proto::decode(frame);
    if (!decoded) {
        co_return true;  // the center speaks a newer protocol: ignore what we don't know
    }
    if (auto* open = std::get_if<proto::stream_open>(&decoded.value())) {
        if (open->action != "echo" && open->action != "sink") {
            co_return co_await send(
                s.ws, proto::stream_error{open->stream, "unknown-action", open->action});
        }
        open_stream& stream = s.streams.emplace_back();
        stream.id = open->stream;
        stream.echo = open->action == "echo";
        // A small call's input and end come inline (auth's "inline_input", actions.md A.2).
        if (open->input) {
            if (stream.echo) {
                stream.input.append(*open->input);
            } else {
                stream.sink.feed(*open->input);
            }
        }
        if (open->end) {
            co_return co_await answer(s, open->stream);
        }
    } else if (auto* end = std::get_if<proto::stream_end>(&decoded.value())) {
        if (s.find(end->stream) != nullptr) {
            co_return co_await answer(s, end->stream);
        }
    } else if (auto* close = std::get_if<proto::stream_close>(&decoded.value())) {
        s.erase(close->stream);
    } else if (auto* error = std::get_if<proto::stream_error>(&decoded.value())) {
        s.erase(error->stream);
    }
    co_return true;
}

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
    write_whole_frames(s->ws, beast::role_type::client);
    auto [handshake_ec] = co_await s->ws.async_handshake("127.0.0.1", "/v1/master", use_tuple);
    if (handshake_ec) {
        fail();
        co_return;
    }
    proto::auth hello{token_, "bench-" + std::to_string(index), {}};
    hello.actions = {{"echo", "answers its input", {}}, {"sink", "checks its input", {}}};
    hello.wants_inline_input = true;  // as the SDK does: a call is then one frame
    if (service_every_ != 0 && index % service_every_ == 0) {
        hello.services.push_back(boost::json::object{
            {"name", service_},
            {"version", "1"},
            {"endpoints", boost::json::array{"http://127.0.0.1:" + std::to_string(index)}},
            {"metadata", boost::json::object{{"zone", index % 2 == 0 ? "a" : "b"}}}});
    }
    const std::string auth = proto::encode(hello);
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
    // Serving: the pending read also lets Beast answer the center's pings.
    for (;;) {
        auto [ec2, n] = co_await s->ws.async_read(s->buffer, use_tuple);
        if (ec2) {
            break;
        }
        const std::string_view frame(static_cast<const char*>(s->buffer.data().data()),
                                     s->buffer.size());
        const bool ok =
            s->ws.got_binary() ? co_await on_data(*s, frame) : co_await on_control(*s, frame);
        s->buffer.consume(s->buffer.size());
        if (!ok) {
            break;
        }
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
