// The accept loop; it survives running out of file descriptors instead of spinning or dying.
#include "listener.hpp"

#include <sys/socket.h>

#include <stdexcept>
#include <system_error>

#include "logging.hpp"

namespace regcenter {

tcp::endpoint parse_listen_address(const std::string& text) {
    if (auto endpoint = parse_host_port(text)) {
        return *endpoint;
    }
    throw std::invalid_argument("\"" + text +
                                "\" is not a listen address: expected a.b.c.d:port or [ipv6]:port");
}

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::string what,
                   on_accept_fn on_accept, connection_executor executor)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()),
      what_(std::move(what)),
      on_accept_(std::move(on_accept)),
      executor_(executor) {
    auto fail = [&](beast::error_code ec, const char* step) {
        throw std::system_error(ec, "cannot listen for " + what_ + " on " +
                                        regcenter::to_string(endpoint) + " (" + step + ")");
    };
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) {
        fail(ec, "open");
    }
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) {
        fail(ec, "set_option");
    }
    acceptor_.bind(endpoint, ec);
    if (ec) {
        fail(ec, "bind");
    }
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        fail(ec, "listen");
    }
    endpoint_ = acceptor_.local_endpoint();
}

listener::listener(net::io_context& ioc, int fd, std::string what, on_accept_fn on_accept,
                   connection_executor executor)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()),
      what_(std::move(what)),
      on_accept_(std::move(on_accept)),
      executor_(executor) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    int listening = 0;
    socklen_t flag_length = sizeof(listening);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        (address.ss_family != AF_INET && address.ss_family != AF_INET6) ||
        ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &flag_length) != 0 ||
        listening == 0) {
        throw std::system_error(std::make_error_code(std::errc::not_a_socket),
                                "the socket passed for " + what_ + " (fd " + std::to_string(fd) +
                                    ") is not a listening TCP socket; check the .socket unit");
    }
    beast::error_code ec;
    acceptor_.assign(address.ss_family == AF_INET ? tcp::v4() : tcp::v6(), fd, ec);
    if (ec) {
        throw std::system_error(ec, "cannot use the socket passed for " + what_);
    }
    endpoint_ = acceptor_.local_endpoint();
}

void listener::run() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        beast::error_code ignored;
        self->acceptor_.close(ignored);
        self->retry_timer_.cancel();
    });
}

void listener::do_accept() {
    const net::any_io_executor executor = executor_ == connection_executor::strand
                                              ? net::any_io_executor(net::make_strand(ioc_))
                                              : net::any_io_executor(ioc_.get_executor());
    acceptor_.async_accept(executor,
                           beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
        return;
    }
    if (ec) {
        // EMFILE/ENFILE and friends: the pending connection stays in the backlog; accepting
        // again at once would spin, so wait a little and let sessions close.
        logging::error("accept failed, retrying in 100 ms",
                       {{"LISTENER", what_}, {"ERROR", ec.message()}});
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (!wait_ec) {
                self->do_accept();
            }
        });
        return;
    }
    // Small messages (pongs, acks, answers) go out at once instead of waiting for the ACK of
    // the previous segment: without this, a reply after a reply waits out delayed ACK (~40 ms).
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    on_accept_(std::move(socket));
    do_accept();
}

}  // namespace regcenter
