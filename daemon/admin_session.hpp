// One admin HTTP connection: reads requests (keep-alive), answers each through admin_api.
#pragma once

#include <memory>
#include <optional>

#include "regcenter/common/net.hpp"

namespace regcenter {

class center_state;

class admin_session : public std::enable_shared_from_this<admin_session> {
  public:
    admin_session(tcp::socket&& socket, center_state& state);
    void run();

  private:
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void write_response(http::response<http::string_body> response, bool keep_alive);
    void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);

    beast::tcp_stream stream_;
    center_state& state_;
    beast::flat_buffer buffer_;
    // A fresh parser per request, so each gets its own body limit.
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<void> response_;
};

}  // namespace regcenter
