// The interactive stream endpoint: GET /v1/masters/{id}/actions/{action}/stream upgraded to a
// WebSocket, joined to a center_stream on the master (docs/admin-api.md, "Streams").
//
// Binary messages are data both ways. Text messages are control: {"cmd":"end"} both ways, and
// {"cmd":"error",...} from the center before a failing close. Flow control carries end to end:
// the master is credited only when the operator's socket took the bytes, and the next operator
// message is read only when the previous ones went to the master.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <boost/json/value.hpp>

#include "admin_api.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter {

class center_state;
class center_stream;
struct stream_outcome;

/// Checks an upgrade request for the stream endpoint and, if it is good, takes over the
/// connection; otherwise returns the HTTP error to send (401, 404, 400).
std::optional<http_response> start_admin_stream(beast::tcp_stream& stream, center_state& state,
                                                http_request& request);

class admin_stream_session : public std::enable_shared_from_this<admin_stream_session> {
  public:
    admin_stream_session(beast::tcp_stream&& stream, center_state& state, std::string master,
                         std::string action, boost::json::value args);
    ~admin_stream_session();
    admin_stream_session(const admin_stream_session&) = delete;
    admin_stream_session& operator=(const admin_stream_session&) = delete;
    void run(http_request request);

    /// Operator bytes sent to the center but not yet to the master beyond which the session
    /// stops reading from the operator.
    static constexpr std::size_t max_input_in_flight = 1024 * 1024;

  private:
    struct outgoing {
        std::string data;
        bool binary = true;
        std::size_t credit = 0;  // master bytes this message carries, credited once written
    };

    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void on_input_sent(std::size_t bytes);
    /// The operator broke the endpoint's rules: abort the stream, close with 4400 and `why`.
    void refuse_input(std::string why);
    void enqueue(outgoing message);
    void do_write();
    void on_write(beast::error_code ec, std::size_t bytes);
    void on_stream_finished(const stream_outcome& outcome);
    void close_with(std::uint16_t code, std::string reason);
    void abort_stream();
    template <class F>
    void post(F&& f);

    websocket::stream<beast::tcp_stream> ws_;
    center_state& state_;
    const std::string master_;
    const std::string action_;
    std::string path_;  // of the upgrade request, for the audit log
    boost::json::value args_;
    std::string job_;
    std::shared_ptr<center_stream> stream_;
    beast::flat_buffer read_buffer_;
    std::deque<outgoing> queue_;
    bool writing_ = false;
    bool reading_ = false;
    bool input_ended_ = false;
    bool stream_finished_ = false;
    bool closing_ = false;
    bool gone_ = false;  // the operator's connection ended
    std::optional<websocket::close_reason> close_after_queue_;
    std::string input_error_;  // why the operator's input was refused, for the job
    std::size_t input_in_flight_ = 0;
    std::uint64_t bytes_in_ = 0;   // operator → master
    std::uint64_t bytes_out_ = 0;  // master → operator
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace regcenter
