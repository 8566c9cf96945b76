// Human-friendly durations ("500ms", "20s", "2m", "1.5") and sizes ("65536", "64KiB", "1MiB").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regcenter {

using duration = std::chrono::nanoseconds;

/// Parses "<number><unit>" with unit ms, s, m or h, or a bare number of seconds; the number may
/// have a fraction. Returns nullopt for anything else, including negative values.
std::optional<duration> parse_duration(std::string_view text);

/// Parses a non-negative whole number written in decimal digits only (no sign, no space);
/// nullopt for anything else or on overflow.
std::optional<std::uint64_t> parse_whole_number(std::string_view text);

/// Parses a byte count: bare bytes, or with a suffix B, KiB, MiB, GiB (powers of 1024) or
/// KB, MB, GB (powers of 1000). Returns nullopt for anything else or on overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// The shortest exact form of `d` among "Nh", "Nm", "Ns", "Nms", else nanoseconds as "Nns".
std::string format_duration(duration d);

/// Seconds as a number, fractional below one second, as the protocol's "heartbeat" field.
double to_seconds(duration d);

}  // namespace regcenter
