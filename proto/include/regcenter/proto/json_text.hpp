// JSON written straight into a string, for the few documents that are built per message or
// per master on a hot path (the per-stream messages here, a fan-out's answer in the center),
// where a boost::json tree would allocate a node per member only to be serialized once. The
// output is byte-identical to boost::json::serialize of the same tree (same escaping; members
// in the order the caller writes them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace regcenter::proto {

/// Appends `value` as a quoted JSON string, escaped as Boost.JSON does: '"' and '\\', the
/// short escapes \b \t \n \f \r, other control characters as \u00XX; all else, UTF-8
/// included, as is.
void append_json_string(std::string& out, std::string_view value);

/// Appends a whole number in decimal.
void append_json_number(std::string& out, std::uint64_t value);
void append_json_number(std::string& out, std::int64_t value);

/// Appends `"name":`, preceded by a ',' unless `out` ends an opening '{' or '['. Member
/// names are the caller's constants, plain ASCII, so they are not escaped.
void append_json_key(std::string& out, std::string_view name);

/// append_json_key then append_json_string: a member whose value is a string.
inline void append_json_member(std::string& out, std::string_view name, std::string_view value) {
    append_json_key(out, name);
    append_json_string(out, value);
}

}  // namespace regcenter::proto
