// The HTTP phase of a master connection: read the upgrade request, then hand over or refuse.
#pragma once

#include <memory>
#include <optional>

#include "regcenter/common/net.hpp"

namespace regcenter {

class center_state;

/// Reads one request within auth.timeout. A WebSocket upgrade to /v1/master becomes a
/// master_session; any other path gets 404, a plain request 426, each with a JSON error body.
class master_handshake : public std::enable_shared_from_this<master_handshake> {
  public:
    master_handshake(tcp::socket&& socket, center_state& state);
    void run();

  private:
    void on_read(beast::error_code ec, std::size_t bytes);
    void refuse(http::status status, std::string_view code, std::string message);

    beast::tcp_stream stream_;
    center_state& state_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string remote_;
    unsigned version_ = 11;
    std::chrono::system_clock::time_point connected_at_;
};

}  // namespace regcenter
