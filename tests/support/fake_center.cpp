// The scripted fake center (see fake_center.hpp).
#include "support/fake_center.hpp"

#include <future>
#include <stdexcept>
#include <utility>

#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter::test {

struct fake_center::session : std::enable_shared_from_this<session> {
    explicit session(tcp::socket socket) : ws(std::move(socket)) {}

    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    std::size_t index = 0;
    std::deque<outgoing> outbox;
    bool writing = false;
    bool frozen = false;
    bool ended = false;
};

fake_center::fake_center() : acceptor_(ioc_) {
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
}

fake_center::~fake_center() {
    post_and_wait([this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (auto& s : sessions_) {
            beast::get_lowest_layer(s->ws).close();
        }
        for (auto& socket : parked_) {
            socket.close(ignored);
        }
    });
    ioc_.stop();
    thread_.join();
}

std::string fake_center::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

std::string fake_center::url() const {
    return "ws://" + address() + std::string(proto::master_path);
}

void fake_center::post_and_wait(std::function<void()> f) {
    std::promise<void> done;
    net::post(ioc_, [&] {
        try {
            f();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    done.get_future().get();
}

void fake_center::set_accept_handshakes(bool on) {
    post_and_wait([this, on] { accept_handshakes_ = on; });
}

void fake_center::set_close_on_leave(bool on) {
    post_and_wait([this, on] { close_on_leave_ = on; });
}

void fake_center::accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (ec) {
            return;  // the acceptor was closed
        }
        on_tcp(std::move(socket));
        accept();
    });
}

void fake_center::on_tcp(tcp::socket socket) {
    {
        std::lock_guard lock(mutex_);
        ++tcp_connections_;
    }
    if (!accept_handshakes_) {
        parked_.push_back(std::move(socket));
        return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = std::make_shared<session>(std::move(socket));
    http::async_read(beast::get_lowest_layer(s->ws), s->buffer, s->request,
                     [this, s](boost::system::error_code ec, std::size_t) {
                         if (ec || s->request.target() != proto::master_path ||
                             !websocket::is_upgrade(s->request)) {
                             beast::get_lowest_layer(s->ws).close();
                             return;
                         }
                         start_session(s);
                     });
}

void fake_center::start_session(const std::shared_ptr<session>& s) {
    s->ws.async_accept(s->request, [this, s](boost::system::error_code ec) {
        if (ec) {
            return;
        }
        s->index = sessions_.size();
        sessions_.push_back(s);
        {
            std::lock_guard lock(mutex_);
            session_info info;
            info.accepted = clock::now();
            info.user_agent = std::string(s->request[http::field::user_agent]);
            info.extensions = std::string(s->request[http::field::sec_websocket_extensions]);
            info_.push_back(std::move(info));
        }
        cv_.notify_all();
        s->ws.control_callback(
            [this, index = s->index](websocket::frame_type kind, std::string_view) {
                if (kind == websocket::frame_type::ping) {
                    {
                        std::lock_guard lock(mutex_);
                        ++info_[index].pings;
                    }
                    cv_.notify_all();
                }
            });
        s->buffer.clear();
        read(s);
    });
}

void fake_center::read(const std::shared_ptr<session>& s) {
    s->ws.async_read(s->buffer, [this, s](boost::system::error_code ec, std::size_t) {
        if (ec) {
            if (s->frozen && ec == net::error::operation_aborted) {
                return;  // freeze() cancelled the read; the session is not over
            }
            s->ended = true;
            std::lock_guard lock(mutex_);
            info_[s->index].ended = true;
            if (ec == websocket::error::closed) {
                info_[s->index].close_code = s->ws.reason().code;
            }
            cv_.notify_all();
            return;
        }
        const std::string frame = beast::buffers_to_string(s->buffer.data());
        s->buffer.consume(s->buffer.size());
        received r{s->index, proto::unknown{"<undecodable-binary>", {}}};
        if (!s->ws.got_text()) {
            if (auto data = proto::decode_data_frame(frame)) {
                r.message = proto::unknown{"<data>", {}};
                r.data = data_frame{data->stream, std::string(data->payload)};
            }
        } else {
            proto::decode_result decoded = proto::decode(frame);
            r.message =
                decoded ? decoded.value() : proto::message{proto::unknown{"<undecodable>", {}}};
        }
        const bool leave = std::holds_alternative<proto::leave>(r.message);
        {
            std::lock_guard lock(mutex_);
            inbox_.push_back(std::move(r));
        }
        cv_.notify_all();
        if (leave && close_on_leave_) {
            s->outbox.push_back({outgoing::kind::close, {}, proto::close_code::normal});
            if (!s->writing) {
                write_next(s);
            }
        }
        if (!s->frozen) {
            read(s);
        }
    });
}

std::shared_ptr<fake_center::session> fake_center::find(
    std::optional<std::size_t> connection) const {
    if (sessions_.empty()) {
        return nullptr;
    }
    const std::size_t index = connection.value_or(sessions_.size() - 1);
    return index < sessions_.size() ? sessions_[index] : nullptr;
}

void fake_center::enqueue(std::optional<std::size_t> connection, outgoing op) {
    post_and_wait([this, connection, op = std::move(op)]() mutable {
        auto s = find(connection);
        if (!s) {
            throw std::logic_error("fake_center: no such connection");
        }
        s->outbox.push_back(std::move(op));
        if (!s->writing) {
            write_next(s);
        }
    });
}

void fake_center::write_next(const std::shared_ptr<session>& s) {
    if (s->outbox.empty()) {
        s->writing = false;
        return;
    }
    s->writing = true;
    auto done = [this, s](boost::system::error_code ec, std::size_t = 0) {
        s->outbox.pop_front();
        if (ec) {
            s->outbox.clear();
        }
        write_next(s);
    };
    outgoing& op = s->outbox.front();
    switch (op.what) {
        case outgoing::kind::text:
            s->ws.text(true);
            s->ws.async_write(net::buffer(op.text), std::move(done));
            break;
        case outgoing::kind::binary:
            s->ws.binary(true);
            s->ws.async_write(net::buffer(op.text), std::move(done));
            break;
        case outgoing::kind::ping:
            s->ws.async_ping(
                {}, [done = std::move(done)](boost::system::error_code ec) mutable { done(ec); });
            break;
        case outgoing::kind::close:
            s->ws.async_close(
                websocket::close_reason(op.code),
                [done = std::move(done)](boost::system::error_code ec) mutable { done(ec); });
            break;
    }
}

void fake_center::send(const proto::message& m, std::optional<std::size_t> connection) {
    enqueue(connection, {outgoing::kind::text, proto::encode(m), 0});
}

void fake_center::send_text(std::string frame, std::optional<std::size_t> connection) {
    enqueue(connection, {outgoing::kind::text, std::move(frame), 0});
}

void fake_center::send_data(proto::stream_id stream, std::string_view payload,
                            std::optional<std::size_t> connection) {
    enqueue(connection, {outgoing::kind::binary, proto::encode_data_frame(stream, payload), 0});
}

void fake_center::send_binary(std::string frame, std::optional<std::size_t> connection) {
    enqueue(connection, {outgoing::kind::binary, std::move(frame), 0});
}

void fake_center::ping(std::optional<std::size_t> connection) {
    enqueue(connection, {outgoing::kind::ping, {}, 0});
}

void fake_center::close(std::uint16_t code, std::optional<std::size_t> connection) {
    enqueue(connection, {outgoing::kind::close, {}, code});
}

void fake_center::freeze(std::optional<std::size_t> connection) {
    post_and_wait([this, connection] {
        if (auto s = find(connection)) {
            s->frozen = true;
            // Cancels the pending read without closing, so not even control frames are answered.
            beast::get_lowest_layer(s->ws).socket().cancel();
        }
    });
}

void fake_center::drop(std::optional<std::size_t> connection) {
    post_and_wait([this, connection] {
        if (auto s = find(connection)) {
            beast::get_lowest_layer(s->ws).close();
        }
    });
}

std::size_t fake_center::connections() const {
    std::lock_guard lock(mutex_);
    return info_.size();
}

bool fake_center::wait_connections(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return info_.size() >= n; });
}

std::optional<fake_center::clock::time_point> fake_center::accepted_at(std::size_t index) const {
    std::lock_guard lock(mutex_);
    if (index >= info_.size()) {
        return std::nullopt;
    }
    return info_[index].accepted;
}

std::size_t fake_center::tcp_connections() const {
    std::lock_guard lock(mutex_);
    return tcp_connections_;
}

std::string fake_center::user_agent(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return index < info_.size() ? info_[index].user_agent : std::string();
}

std::string fake_center::extensions(std::size_t index) const {
    std::lock_guard lock(mutex_);
    return index < info_.size() ? info_[index].extensions : std::string();
}

std::optional<fake_center::received> fake_center::receive(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !inbox_.empty(); })) {
        return std::nullopt;
    }
    received r = std::move(inbox_.front());
    inbox_.pop_front();
    return r;
}

std::size_t fake_center::pending() const {
    std::lock_guard lock(mutex_);
    return inbox_.size();
}

bool fake_center::wait_ended(std::size_t connection, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout,
                        [&] { return connection < info_.size() && info_[connection].ended; });
}

std::size_t fake_center::pings_received(std::size_t connection) const {
    std::lock_guard lock(mutex_);
    return connection < info_.size() ? info_[connection].pings : 0;
}

bool fake_center::wait_pings(std::size_t connection, std::size_t n,
                             std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout,
                        [&] { return connection < info_.size() && info_[connection].pings >= n; });
}

std::optional<std::uint16_t> fake_center::peer_close_code(std::size_t connection) const {
    std::lock_guard lock(mutex_);
    return connection < info_.size() ? info_[connection].close_code : std::nullopt;
}

}  // namespace regcenter::test
