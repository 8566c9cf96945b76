// GET /v1/events: the event log (event_log.hpp) for operators, as a WebSocket or as
// Server-Sent Events (docs/events.md, proto-spec/events.md).
//
// One watcher class does the work for both transports: it subscribes to the event log (with
// the backlog of ?since= taken under the same lock), keeps a queue bounded in events and
// bytes between the log's publishers (any thread) and the connection's strand, writes one
// message at a time, and ends with an explicit control message (too-old, lagged) or a close
// (shutdown). The two transports only frame messages and close the connection their way.
#pragma once

#include <optional>

#include "admin_api.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter {

class center_state;

/// True for the requests start_event_watch() serves (path /v1/events), upgrade or not.
bool is_events_request(const http_request& request);

/// Checks a request for GET /v1/events (token, method, transport, since, filters) and, if it
/// is good, takes the connection over as a watcher; otherwise returns the HTTP error to send
/// (401, 400, 405, 406, 503).
std::optional<http_response> start_event_watch(beast::tcp_stream& stream, center_state& state,
                                               http_request& request);

}  // namespace regcenter
