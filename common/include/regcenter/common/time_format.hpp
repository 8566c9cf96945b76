// Timestamps as the admin API and logs show them.
#pragma once

#include <chrono>
#include <string>

namespace regcenter {

/// RFC 3339 in UTC with millisecond precision, e.g. "2026-11-25T12:53:21.042Z".
std::string format_rfc3339(std::chrono::system_clock::time_point when);

}  // namespace regcenter
