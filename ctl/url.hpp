// Percent-encoding for the parts of admin API targets that come from the user.
#pragma once

#include <string>
#include <string_view>

namespace regcenter::ctl {

/// Encodes a path segment: everything but RFC 3986's pchar (unreserved, sub-delims, ':' and
/// '@') is escaped, so that an id typed by the user stays one segment while the ids, action
/// names ("a:b.c") and fingerprints ("sha256:…") the daemon hands out go through unchanged.
std::string encode_path_segment(std::string_view text);

/// Encodes a query value: everything but the unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string encode_query_value(std::string_view text);

}  // namespace regcenter::ctl
