// A raw WebSocket client for tests: speaks frames, not the SDK, so tests can misbehave.
//
// Every operation runs the client's own io_context until it completes or its deadline passes;
// a read that times out stays pending and the next read() picks it up, so no frame is lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "regcenter/common/net.hpp"
#include "regcenter/proto/messages.hpp"

namespace regcenter::test {

using namespace std::chrono_literals;

struct ws_read {
    enum class kind { text, binary, closed, timeout, error };
    kind what = kind::timeout;
    std::string data;
    std::uint16_t close_code = 0;  ///< when closed: the code the server sent (0 if none)
    std::string close_reason;
    beast::error_code ec;
};

class ws_client {
  public:
    /// Connects and completes the WebSocket handshake to `path` (with "Authorization: Bearer"
    /// when `bearer` is set); throws std::system_error, whose what() has the HTTP status when
    /// the server declined the upgrade. A `receive_buffer` above 0 is set as SO_RCVBUF before
    /// connecting, for a client that must fall behind quickly when it doesn't read.
    explicit ws_client(const tcp::endpoint& server, std::string path = "/v1/master",
                       std::chrono::milliseconds timeout = 5s, std::string bearer = "",
                       int receive_buffer = 0);
    ~ws_client();

    void send_text(std::string_view text);
    void send_binary(std::string_view bytes);
    void send(const proto::message& m) { send_text(proto::encode(m)); }

    /// The next data frame, or closed/timeout/error.
    ws_read read(std::chrono::milliseconds timeout = 5s);

    /// The next text frame decoded; throws std::runtime_error describing what came instead.
    proto::message read_message(std::chrono::milliseconds timeout = 5s);

    /// Reads (discarding data frames) until the server closes; the close code, or nullopt on
    /// timeout.
    std::optional<std::uint16_t> wait_closed(std::chrono::milliseconds timeout = 5s);

    /// Sends auth with `token` and returns the session id; throws unless auth-success came.
    std::string authenticate(const std::string& token, const std::string& name = "test-master",
                             proto::label_map labels = {});

    /// Starts a closing handshake with `code` and waits for it to complete.
    void close(std::uint16_t code = 1000);

    /// WebSocket pings received so far (Beast answers them while a read is pending).
    int pings_received() const { return pings_; }

    tcp::endpoint local_endpoint() const;

  private:
    void run_until(bool& done, std::chrono::milliseconds timeout);
    void write(std::string_view data, bool text);

    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
    bool reading_ = false;
    bool read_done_ = false;
    beast::error_code read_ec_;
    int pings_ = 0;
};

}  // namespace regcenter::test
