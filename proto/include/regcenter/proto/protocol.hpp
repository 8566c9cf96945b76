// Constants of wire protocol v1 (proto-spec/protocol.md): the path, commands, codes and limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace regcenter::proto {

/// The protocol version this codec speaks; it is also the path prefix.
inline constexpr int version = 1;

/// The WebSocket endpoint masters connect to.
inline constexpr std::string_view master_path = "/v1/master";

/// Values of the "cmd" field.
namespace cmd {
inline constexpr std::string_view auth = "auth";
inline constexpr std::string_view auth_success = "auth-success";
inline constexpr std::string_view auth_failed = "auth-failed";
inline constexpr std::string_view ping = "ping";
inline constexpr std::string_view pong = "pong";
inline constexpr std::string_view leave = "leave";
inline constexpr std::string_view error = "error";
inline constexpr std::string_view actions = "actions";
inline constexpr std::string_view stream_open = "stream-open";
inline constexpr std::string_view stream_credit = "stream-credit";
inline constexpr std::string_view stream_end = "stream-end";
inline constexpr std::string_view stream_error = "stream-error";
inline constexpr std::string_view stream_close = "stream-close";
inline constexpr std::string_view register_services = "register";
inline constexpr std::string_view registered = "registered";
inline constexpr std::string_view remove_services = "remove";
inline constexpr std::string_view removed = "removed";
inline constexpr std::string_view discover = "discover";
inline constexpr std::string_view discover_result = "discover-result";
inline constexpr std::string_view subscribe = "subscribe";
inline constexpr std::string_view unsubscribe = "unsubscribe";
inline constexpr std::string_view service_update = "service-update";
inline constexpr std::string_view centers = "centers";
inline constexpr std::string_view going_away = "going-away";
}  // namespace cmd

/// Values of the "change" field of service-update (services.md section 6).
namespace update_change {
inline constexpr std::string_view snapshot = "snapshot";
inline constexpr std::string_view registered = "registered";
inline constexpr std::string_view removed = "removed";
inline constexpr std::string_view refused = "refused";
}  // namespace update_change

/// Values of "reason" in a "removed" service-update besides the session end reasons (closed,
/// left, heartbeat-timeout, kicked, …).
namespace removal_reason {
inline constexpr std::string_view removed = "removed";      ///< the master removed the service
inline constexpr std::string_view unmatched = "unmatched";  ///< replaced, no longer matching
inline constexpr std::string_view shutdown = "shutdown";    ///< the center is shutting down
}  // namespace removal_reason

/// Values of the "code" field of an error message.
namespace error_code {
inline constexpr std::string_view bad_request = "bad-request";
inline constexpr std::string_view unknown_command = "unknown-command";
}  // namespace error_code

/// Values of the "code" field of stream-error (actions.md A.2).
namespace stream_error_code {
inline constexpr std::string_view unknown_action = "unknown-action";
inline constexpr std::string_view bad_args = "bad-args";
inline constexpr std::string_view action_failed = "action-failed";
inline constexpr std::string_view flow_control = "flow-control";
inline constexpr std::string_view stalled = "stalled";
inline constexpr std::string_view timeout = "timeout";
inline constexpr std::string_view master_disconnected = "master-disconnected";
inline constexpr std::string_view center_shutdown = "center-shutdown";
inline constexpr std::string_view duplicate_stream = "duplicate-stream";
}  // namespace stream_error_code

/// Texts of the "message" field that clients may rely on.
namespace text {
inline constexpr std::string_view auth_successful = "Authentication successful";
inline constexpr std::string_view invalid_token = "Invalid authentication token";
inline constexpr std::string_view auth_required = "Authentication required";
}  // namespace text

/// WebSocket close codes the center uses (RFC 6455 section 7.4, 4000-4999 are ours).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;            ///< the master left ({"cmd":"leave"})
inline constexpr std::uint16_t going_away = 1001;        ///< the center is shutting down
inline constexpr std::uint16_t unsupported_data = 1003;  ///< a binary frame where text is expected
inline constexpr std::uint16_t policy_violation = 1008;  ///< auth timeout, too many auth failures
inline constexpr std::uint16_t too_big = 1009;           ///< a frame over limits.max_message
inline constexpr std::uint16_t try_again_later = 1013;   ///< the center can't keep up with the peer
inline constexpr std::uint16_t kicked = 4001;            ///< an operator closed the session
}  // namespace close_code

/// Close codes of the admin API's GET /v1/events WebSocket (proto-spec/events.md), shared by
/// the center and regcenterctl watch.
namespace events_close_code {
inline constexpr std::uint16_t lagged = 4409;   ///< 409 Conflict: the watcher fell behind
inline constexpr std::uint16_t too_old = 4410;  ///< 410 Gone: the events it asked for are gone
}  // namespace events_close_code

/// Limits on what a master may say about itself; longer values are a bad-request.
namespace limits {
inline constexpr std::size_t max_name = 256;
inline constexpr std::size_t max_labels = 64;
inline constexpr std::size_t max_label_key = 128;
inline constexpr std::size_t max_label_value = 1024;
inline constexpr std::size_t max_token = 4096;
inline constexpr std::size_t max_actions = 256;
inline constexpr std::size_t max_action_name = 128;
inline constexpr std::size_t max_action_description = 1024;
}  // namespace limits

/// Stream data framing and flow control (actions.md A.2).
namespace streams {
inline constexpr std::uint8_t data_frame_type = 0x01;    ///< first byte of a data frame
inline constexpr std::size_t data_header_size = 5;       ///< type byte + big-endian stream id
inline constexpr std::size_t max_data_payload = 65536;   ///< writers split larger writes
inline constexpr std::uint64_t initial_window = 262144;  ///< credit per stream and direction
}  // namespace streams

}  // namespace regcenter::proto
