// Parsing of the units accepted in configuration files and command-line flags.
#include "regcenter/common/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace regcenter {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

// Splits "12.5ms" into 12.5 and "ms"; the number must be plain decimal, without sign or exponent.
std::optional<std::pair<double, std::string_view>> split_number(std::string_view text) {
    text = trim(text);
    std::size_t end = 0;
    bool digits = false;
    bool dot = false;
    for (; end < text.size(); ++end) {
        const char c = text[end];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            digits = true;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!digits) {
        return std::nullopt;
    }
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, value);
    if (ec != std::errc{} || ptr != text.data() + end || !std::isfinite(value)) {
        return std::nullopt;
    }
    return std::pair{value, trim(text.substr(end))};
}

}  // namespace

std::optional<duration> parse_duration(std::string_view text) {
    const auto parts = split_number(text);
    if (!parts) {
        return std::nullopt;
    }
    const auto [value, unit] = *parts;
    double nanos_per_unit = 0;
    if (unit.empty() || unit == "s") {
        nanos_per_unit = 1e9;
    } else if (unit == "ms") {
        nanos_per_unit = 1e6;
    } else if (unit == "m" || unit == "min") {
        nanos_per_unit = 60e9;
    } else if (unit == "h") {
        nanos_per_unit = 3600e9;
    } else {
        return std::nullopt;
    }
    const double nanos = value * nanos_per_unit;
    if (nanos > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)) {
        return std::nullopt;
    }
    return duration{static_cast<std::int64_t>(std::llround(nanos))};
}

std::optional<std::uint64_t> parse_whole_number(std::string_view text) {
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    const auto parts = split_number(text);
    if (!parts) {
        return std::nullopt;
    }
    const auto [value, unit] = *parts;
    double multiplier = 0;
    if (unit.empty() || unit == "B") {
        multiplier = 1;
    } else if (unit == "KiB") {
        multiplier = 1024.0;
    } else if (unit == "MiB") {
        multiplier = 1024.0 * 1024.0;
    } else if (unit == "GiB") {
        multiplier = 1024.0 * 1024.0 * 1024.0;
    } else if (unit == "KB" || unit == "kB") {
        multiplier = 1e3;
    } else if (unit == "MB") {
        multiplier = 1e6;
    } else if (unit == "GB") {
        multiplier = 1e9;
    } else {
        return std::nullopt;
    }
    const double bytes = value * multiplier;
    if (bytes != std::floor(bytes) || bytes > 9.0e18) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(bytes);
}

std::string format_duration(duration d) {
    using namespace std::chrono;
    const auto ns = d.count();
    if (ns != 0 && ns % 3600'000'000'000LL == 0) {
        return std::to_string(ns / 3600'000'000'000LL) + "h";
    }
    if (ns != 0 && ns % 60'000'000'000LL == 0) {
        return std::to_string(ns / 60'000'000'000LL) + "m";
    }
    if (ns % 1'000'000'000LL == 0) {
        return std::to_string(ns / 1'000'000'000LL) + "s";
    }
    if (ns % 1'000'000LL == 0) {
        return std::to_string(ns / 1'000'000LL) + "ms";
    }
    return std::to_string(ns) + "ns";
}

double to_seconds(duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace regcenter
