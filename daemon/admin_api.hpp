// The admin HTTP API: routes a request to the registry and token store, returns the response.
//
// No I/O here: admin_session reads and writes, this decides. Routes are listed in
// docs/admin-api.md.
#pragma once

#include <functional>

#include "http_util.hpp"

namespace regcenter {

class center_state;

using http_request = http::request<http::string_body>;

/// Receives the response; may be called on any center thread, exactly once.
using admin_responder = std::function<void(http_response)>;

/// Serves one request. Every path but /healthz needs "Authorization: Bearer <admin.token>".
/// Most routes answer before returning; running an action answers when it completes.
void handle_admin_request(center_state& state, const http_request& request,
                          admin_responder respond);

}  // namespace regcenter
