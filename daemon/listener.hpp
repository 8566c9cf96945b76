// Accepts TCP connections on one address and hands each socket to a callback.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "regcenter/common/address.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter {

/// parse_host_port for center options; throws std::invalid_argument naming the text when it
/// is not an address of that form (host names are not resolved).
tcp::endpoint parse_listen_address(const std::string& text);

class listener : public std::enable_shared_from_this<listener> {
  public:
    /// Called for each accepted connection, on the new socket's executor.
    using on_accept_fn = std::function<void(tcp::socket socket)>;

    /// The executor each accepted socket gets. A strand serializes a connection's handlers when
    /// several threads run the io_context. With a single thread they never run concurrently,
    /// and a strand would only add a lock, a queue and reference counting to every completion
    /// (two per heartbeat ping, tens of thousands of sessions).
    enum class connection_executor { strand, io_context };

    /// Binds and listens; throws std::system_error whose what() names `what` and the address,
    /// e.g. "cannot listen for masters on 127.0.0.1:8010: Address already in use".
    listener(net::io_context& ioc, const tcp::endpoint& endpoint, std::string what,
             on_accept_fn on_accept, connection_executor executor = connection_executor::strand);

    /// Takes over a socket that is already listening (socket activation: systemd bound it).
    /// Throws std::system_error naming `what` when `fd` is not a listening TCP socket.
    listener(net::io_context& ioc, int fd, std::string what, on_accept_fn on_accept,
             connection_executor executor = connection_executor::strand);

    void run();

    /// Stops accepting; connections already accepted are unaffected. Thread-safe.
    void stop();

    tcp::endpoint local_endpoint() const { return endpoint_; }

  private:
    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_timer_;
    std::string what_;
    on_accept_fn on_accept_;
    connection_executor executor_;
    tcp::endpoint endpoint_;
};

}  // namespace regcenter
