// The admin HTTP API: routes a request to the registry and token store, returns the response.
//
// No I/O here: admin_session reads and writes, this decides. Routes are listed in
// docs/admin-api.md.
#pragma once

#include "http_util.hpp"

namespace regcenter {

class center_state;

using http_request = http::request<http::string_body>;

/// Serves one request. Every path but /healthz needs "Authorization: Bearer <admin.token>".
http_response handle_admin_request(center_state& state, const http_request& request);

}  // namespace regcenter
