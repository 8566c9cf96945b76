// A scripted fake center for SDK tests: accepts masters on 127.0.0.1 at /v1/master and lets the
// test read what the SDK sent (decoded by the codec, with a deadline), answer with text or stream
// data frames, pings or a close, or stop answering altogether.
//
// It runs its own io_context on its own thread; every public function is thread-safe and is
// applied in call order. Connections are numbered 0, 1, 2... in the order they were accepted;
// functions taking a connection index default to the latest connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "regcenter/common/net.hpp"
#include "regcenter/proto/messages.hpp"

namespace regcenter::test {

class fake_center {
  public:
    using clock = std::chrono::steady_clock;

    /// A stream data frame the SDK sent (actions.md A.2).
    struct data_frame {
        proto::stream_id stream = 0;
        std::string payload;
    };

    /// One frame the SDK sent, with the connection it came on: a text frame decoded by the
    /// codec (`message`), or a binary frame. A valid data frame is in `data`, with `message`
    /// set to proto::unknown{"<data>"}; a binary frame that isn't one leaves `data` empty and
    /// reads as proto::unknown{"<undecodable-binary>"}.
    struct received {
        std::size_t connection;
        proto::message message;
        std::optional<data_frame> data = std::nullopt;
    };

    /// Starts listening on 127.0.0.1 at an ephemeral port.
    fake_center();
    /// Stops the thread; open connections are dropped without a close handshake.
    ~fake_center();

    fake_center(const fake_center&) = delete;
    fake_center& operator=(const fake_center&) = delete;

    std::uint16_t port() const { return port_; }
    /// "127.0.0.1:PORT", the form the SDK reports centers in.
    std::string address() const;
    /// "ws://127.0.0.1:PORT/v1/master".
    std::string url() const;

    /// Off: TCP connections are accepted but the HTTP upgrade is never answered, so the SDK's
    /// handshake has to time out. On by default.
    void set_accept_handshakes(bool on);
    /// On (the default): a received {"cmd":"leave"} is answered with close 1000, as the real
    /// center does. The leave is still delivered to receive().
    void set_close_on_leave(bool on);

    /// WebSocket sessions accepted so far.
    std::size_t connections() const;
    /// Waits until at least `n` sessions were accepted.
    bool wait_connections(std::size_t n, std::chrono::milliseconds timeout) const;
    /// When session `index` was accepted; nullopt if it wasn't.
    std::optional<clock::time_point> accepted_at(std::size_t index) const;
    /// TCP connections accepted so far, with or without a handshake.
    std::size_t tcp_connections() const;
    /// The User-Agent and Sec-WebSocket-Extensions headers of session `index`'s upgrade request.
    std::string user_agent(std::size_t index) const;
    std::string extensions(std::size_t index) const;

    /// The next message from the SDK on any connection, in arrival order; nullopt on timeout.
    /// Text frames that don't decode are reported as proto::unknown with cmd "<undecodable>".
    std::optional<received> receive(std::chrono::milliseconds timeout);
    /// Messages received but not yet taken by receive().
    std::size_t pending() const;

    /// Sends a message (encoded by the codec) or a raw text frame.
    void send(const proto::message& m, std::optional<std::size_t> connection = {});
    void send_text(std::string frame, std::optional<std::size_t> connection = {});
    /// Sends a stream data frame (encoded by the codec) or a raw binary frame.
    void send_data(proto::stream_id stream, std::string_view payload,
                   std::optional<std::size_t> connection = {});
    void send_binary(std::string frame, std::optional<std::size_t> connection = {});
    /// Sends a WebSocket ping control frame.
    void ping(std::optional<std::size_t> connection = {});
    /// Starts the WebSocket close handshake with `code`.
    void close(std::uint16_t code, std::optional<std::size_t> connection = {});
    /// Stops reading and answering on the connection without closing it: no pongs, no close
    /// replies, nothing. The socket stays open until the peer closes or the fake is destroyed.
    void freeze(std::optional<std::size_t> connection = {});
    /// Closes the TCP socket without a WebSocket close.
    void drop(std::optional<std::size_t> connection = {});

    /// Waits until the session's read side ended (the SDK closed, or the socket failed).
    bool wait_ended(std::size_t connection, std::chrono::milliseconds timeout) const;
    /// WebSocket pings the SDK sent on that session (answered automatically unless frozen).
    std::size_t pings_received(std::size_t connection) const;
    /// Waits until the SDK has sent at least `n` pings on that session.
    bool wait_pings(std::size_t connection, std::size_t n, std::chrono::milliseconds timeout) const;
    /// The close code the SDK sent on that session, if it sent one.
    std::optional<std::uint16_t> peer_close_code(std::size_t connection) const;

  private:
    struct session;
    struct session_info {
        clock::time_point accepted;
        std::string user_agent;
        std::string extensions;
        bool ended = false;
        std::optional<std::uint16_t> close_code;
        std::size_t pings = 0;
    };

    void accept();
    void on_tcp(tcp::socket socket);
    void start_session(const std::shared_ptr<session>& s);
    void read(const std::shared_ptr<session>& s);
    struct outgoing {
        enum class kind { text, binary, ping, close } what;
        std::string text;
        std::uint16_t code = 0;
    };

    void enqueue(std::optional<std::size_t> connection, outgoing op);
    void write_next(const std::shared_ptr<session>& s);
    std::shared_ptr<session> find(std::optional<std::size_t> connection) const;  // io thread
    void post_and_wait(std::function<void()> f);

    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;

    // Touched only on the io thread.
    std::vector<std::shared_ptr<session>> sessions_;
    std::vector<tcp::socket> parked_;  // TCP connections held without a handshake
    bool accept_handshakes_ = true;
    bool close_on_leave_ = true;

    mutable std::mutex mutex_;  // guards what the test thread reads
    mutable std::condition_variable cv_;
    std::deque<received> inbox_;
    std::vector<session_info> info_;
    std::size_t tcp_connections_ = 0;

    std::thread thread_;
};

}  // namespace regcenter::test
