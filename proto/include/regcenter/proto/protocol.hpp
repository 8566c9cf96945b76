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
}  // namespace cmd

/// Values of the "code" field of an error message.
namespace error_code {
inline constexpr std::string_view bad_request = "bad-request";
inline constexpr std::string_view unknown_command = "unknown-command";
}  // namespace error_code

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

/// Limits on what a master may say about itself; longer values are a bad-request.
namespace limits {
inline constexpr std::size_t max_name = 256;
inline constexpr std::size_t max_labels = 64;
inline constexpr std::size_t max_label_key = 128;
inline constexpr std::size_t max_label_value = 1024;
inline constexpr std::size_t max_token = 4096;
}  // namespace limits

}  // namespace regcenter::proto
