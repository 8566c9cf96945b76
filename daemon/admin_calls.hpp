// The call endpoint: GET /v1/calls upgraded to a WebSocket, on which an operator keeps many
// calls in flight at once (docs/admin-api.md, "Many calls on one connection").
//
// Each text message is one call, {"id":…, "master":…, "action":…, "args", "input",
// "input_base64", "timeout_ms"}, answered by one text message with the same "id" and the body
// POST /v1/masters/{id}/actions/{action} would answer with, in the order the calls finish.
// Every call is a job like any other (audited, in GET /v1/jobs, counted against the running-job
// limit).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "admin_api.hpp"
#include "regcenter/common/batching_stream.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter {

class center_state;

/// The call endpoint's path.
inline constexpr std::string_view calls_path = "/v1/calls";

/// Checks an upgrade request for the call endpoint and, if it is good, takes over the
/// connection; otherwise returns the HTTP error to send (401).
std::optional<http_response> start_admin_calls(beast::tcp_stream& stream, center_state& state,
                                               http_request& request);

class admin_calls_session : public std::enable_shared_from_this<admin_calls_session> {
  public:
    /// Calls read but not yet answered beyond which the session stops reading: the operator's
    /// next calls wait in its socket until answers are written.
    static constexpr std::size_t max_in_flight = 256;
    /// Answer bytes queued for a slow operator beyond which reading stops too.
    static constexpr std::size_t max_queued_bytes = 16 * 1024 * 1024;
    /// Answer bytes queued beyond which the operator is taken to have stopped reading: the
    /// connection is closed with 1008 (calls already in flight can still finish past
    /// max_queued_bytes, up to 16 MiB of output each).
    static constexpr std::size_t max_unread_bytes = 64 * 1024 * 1024;

    admin_calls_session(beast::tcp_stream&& stream, center_state& state);
    ~admin_calls_session();
    admin_calls_session(const admin_calls_session&) = delete;
    admin_calls_session& operator=(const admin_calls_session&) = delete;
    void run(http_request request);

  private:
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    /// Starts the call one message asks for, or answers why it can't.
    void start_call(std::string_view text);
    void answer(std::string text);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    /// The center is stopping: answer what is in flight, then close with 1001.
    void shut_down();
    void close_when_idle();
    /// Closes now; answers not yet written are dropped.
    void close_with(websocket::close_code code, std::string reason);
    /// Beast's suggested server timeouts, without the idle timeout while reading is paused.
    static websocket::stream_base::timeout timeouts(bool idle);

    websocket::stream<batching_stream> ws_;
    center_state& state_;
    const std::string caller_;  // who the calls are by, from the token that opened the session
    beast::flat_buffer read_buffer_;
    std::deque<std::string> answers_;
    std::size_t queued_bytes_ = 0;
    std::size_t in_flight_ = 0;  // calls read whose answer is not written yet
    std::optional<std::uint64_t> closer_;
    bool reading_ = false;
    bool paused_ = false;  // reading waits for answers to go out
    bool writing_ = false;
    bool gone_ = false;           // the operator's connection ended
    bool shutting_down_ = false;  // no more calls: close once every answer is out
    bool closing_ = false;
};

}  // namespace regcenter
