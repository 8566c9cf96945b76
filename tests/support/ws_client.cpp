// Raw WebSocket test client on its own io_context.
#include "support/ws_client.hpp"

#include <stdexcept>

namespace regcenter::test {

ws_client::ws_client(const tcp::endpoint& server, std::string path,
                     std::chrono::milliseconds timeout, std::string bearer, int receive_buffer)
    : ws_(ioc_) {
    bool done = false;
    beast::error_code ec;
    if (receive_buffer > 0) {
        // Before connect, so that the window the server sees is small from the start.
        tcp::socket& socket = beast::get_lowest_layer(ws_).socket();
        socket.open(server.protocol());
        socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    }
    beast::get_lowest_layer(ws_).async_connect(server, [&](beast::error_code e) {
        ec = e;
        done = true;
    });
    run_until(done, timeout);
    if (!done || ec) {
        throw std::system_error(ec ? ec : net::error::timed_out, "ws_client connect");
    }
    beast::error_code ignored;  // back-to-back small frames go out at once, as the SDK's do
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    ws_.control_callback([this](websocket::frame_type kind, std::string_view) {
        if (kind == websocket::frame_type::ping) {
            ++pings_;
        }
    });
    if (!bearer.empty()) {
        ws_.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& req) {
            req.set(http::field::authorization, "Bearer " + bearer);
        }));
    }
    ws_.read_message_max(64 * 1024 * 1024);
    done = false;
    websocket::response_type response;
    ws_.async_handshake(response, "127.0.0.1", path, [&](beast::error_code e) {
        ec = e;
        done = true;
    });
    run_until(done, timeout);
    if (!done || ec) {
        throw std::system_error(ec ? ec : net::error::timed_out,
                                "ws_client handshake: HTTP " +
                                    std::to_string(response.result_int()) + " " + response.body());
    }
}

ws_client::~ws_client() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
}

void ws_client::run_until(bool& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    ioc_.restart();
    while (!done) {
        if (ioc_.run_one_until(deadline) == 0) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return;
            }
            ioc_.restart();
        }
    }
}

void ws_client::send_text(std::string_view text) {
    write(text, true);
}

void ws_client::send_binary(std::string_view bytes) {
    write(bytes, false);
}

void ws_client::write(std::string_view data, bool text) {
    bool done = false;
    beast::error_code ec;
    ws_.text(text);
    ws_.async_write(net::buffer(data), [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    run_until(done, 5s);
    if (!done || ec) {
        throw std::system_error(ec ? ec : net::error::timed_out, "ws_client write");
    }
}

ws_read ws_client::read(std::chrono::milliseconds timeout) {
    if (!reading_) {
        reading_ = true;
        read_done_ = false;
        ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
            read_ec_ = ec;
            read_done_ = true;
        });
    }
    run_until(read_done_, timeout);
    ws_read out;
    if (!read_done_) {
        return out;  // still pending; the next read() continues it
    }
    reading_ = false;
    if (read_ec_) {
        out.ec = read_ec_;
        // A close frame that arrived counts even if the TCP teardown after it failed (the
        // server may already have closed the socket when the client shuts down its side).
        if (read_ec_ == websocket::error::closed || ws_.reason().code != 0) {
            out.what = ws_read::kind::closed;
            out.close_code = ws_.reason().code;
            out.close_reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
        } else {
            out.what = ws_read::kind::error;
        }
        return out;
    }
    out.what = ws_.got_text() ? ws_read::kind::text : ws_read::kind::binary;
    out.data = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return out;
}

proto::message ws_client::read_message(std::chrono::milliseconds timeout) {
    ws_read r = read(timeout);
    switch (r.what) {
        case ws_read::kind::text:
            break;
        case ws_read::kind::timeout:
            throw std::runtime_error("no frame within the timeout");
        case ws_read::kind::closed:
            throw std::runtime_error("connection closed with code " + std::to_string(r.close_code) +
                                     " (" + r.close_reason + ")");
        case ws_read::kind::binary:
            throw std::runtime_error("unexpected binary frame");
        case ws_read::kind::error:
            throw std::runtime_error("read failed: " + r.ec.message());
    }
    proto::decode_result decoded = proto::decode(r.data);
    if (!decoded) {
        throw std::runtime_error("undecodable frame " + r.data + ": " + decoded.error().what);
    }
    return decoded.value();
}

std::optional<std::uint16_t> ws_client::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        ws_read r = read(left);
        if (r.what == ws_read::kind::closed) {
            return r.close_code;
        }
        if (r.what == ws_read::kind::error) {
            return std::uint16_t{0};  // cut without a closing handshake
        }
        if (r.what == ws_read::kind::timeout) {
            return std::nullopt;
        }
    }
}

std::string ws_client::authenticate(const std::string& token, const std::string& name,
                                    proto::label_map labels) {
    send(proto::auth{token, name, std::move(labels)});
    proto::message m = read_message();
    if (auto* ok = std::get_if<proto::auth_success>(&m)) {
        return ok->session;
    }
    throw std::runtime_error("expected auth-success, got " + proto::encode(m));
}

void ws_client::close(std::uint16_t code) {
    bool done = false;
    ws_.async_close(websocket::close_reason(code), [&](beast::error_code) { done = true; });
    run_until(done, 5s);
}

tcp::endpoint ws_client::local_endpoint() const {
    return beast::get_lowest_layer(ws_).socket().local_endpoint();
}

}  // namespace regcenter::test
