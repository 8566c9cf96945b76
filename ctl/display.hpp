// Turning API values into text for a terminal: action output, durations, ages.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace regcenter::ctl {

bool is_valid_utf8(std::string_view text);

/// `text` made safe to print in a table: control characters other than newline become visible
/// escapes (\r, \x1b, \u009b), since action output must not be able to drive the operator's
/// terminal; tabs expand to spaces so columns stay aligned. Invalid UTF-8 bytes are escaped too.
std::string printable(std::string_view text);

/// Removes one trailing "\n" (or "\r\n"): most outputs end with one line break, which would
/// otherwise add an empty line to every table row.
std::string trim_one_newline(std::string text);

/// What the OUTPUT column shows for one result of the API ({"output"|"output_base64"|"error"}):
/// the output without its last newline, "<N bytes binary>" for output that is not UTF-8, or
/// "CODE: MESSAGE" for a failure.
std::string output_cell(const boost::json::object& result);

/// "0ms", "15ms", "1.25s", "2m05s", "1h02m".
std::string format_duration_ms(std::int64_t ms);

/// An RFC 3339 UTC timestamp as the API writes them ("2026-11-25T12:53:21.042Z").
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

/// How long before `now` `then` was, for people: "12s ago", "5m ago", "3h12m ago", "2d4h ago".
std::string format_age(std::chrono::system_clock::time_point then,
                       std::chrono::system_clock::time_point now);

/// format_age() of an API timestamp, or the text as is when it doesn't parse.
std::string age_of(std::string_view rfc3339,
                   std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// Prints a JSON answer of the daemon as it came (for --json), ending with a newline.
void print_raw_json(std::ostream& out, const std::string& body);

/// A JSON object of strings (labels, metadata) as "k=v,k=v", printable.
std::string pairs_text(const boost::json::object& map);

}  // namespace regcenter::ctl
