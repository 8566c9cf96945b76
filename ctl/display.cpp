// Text for terminals: escaping, trimming, durations and ages.
#include "display.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

#include <boost/json.hpp>

#include "regcenter/common/base64.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

// Length of the UTF-8 sequence starting at `i`, 0 if it is not a valid one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (lead < 0x80) {
        return 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        extra = 1;
        cp = lead & 0x1f;
    } else if ((lead >> 4) == 0xe) {
        extra = 2;
        cp = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        extra = 3;
        cp = lead & 0x07;
    } else {
        return 0;
    }
    if (extra > s.size() - i - 1) {
        return 0;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if ((c >> 6) != 0x2) {
            return 0;
        }
        cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    const bool overlong = (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
    if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return extra + 1;
}

std::string hex_escape(unsigned char byte) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", byte);
    return buf;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t column = 0;  // for tab stops, in code points since the last newline
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const std::size_t n = utf8_length(text, i);
        if (n == 0) {
            out += hex_escape(byte);
            column += 4;
            ++i;
            continue;
        }
        if (byte == '\n') {
            out += '\n';
            column = 0;
        } else if (byte == '\t') {
            const std::size_t spaces = 8 - column % 8;
            out.append(spaces, ' ');
            column += spaces;
        } else if (byte == '\r') {
            out += "\\r";
            column += 2;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += hex_escape(byte);
            column += 4;
        } else if (n == 2 && byte == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
            // C1 controls (U+0080 … U+009F): CSI (U+009B) alone can start an escape sequence.
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(text[i + 1]));
            out += buf;
            column += 6;
        } else {
            out.append(text.substr(i, n));
            ++column;
        }
        i += n;
    }
    return out;
}

std::string trim_one_newline(std::string text) {
    if (text.ends_with('\n')) {
        text.pop_back();
        if (text.ends_with('\r')) {
            text.pop_back();
        }
    }
    return text;
}

std::string output_cell(const json::object& result) {
    if (const json::value* error = result.if_contains("error");
        error != nullptr && error->is_object()) {
        const json::object& e = error->get_object();
        const json::value* code = e.if_contains("code");
        const json::value* message = e.if_contains("message");
        std::string text = code != nullptr && code->is_string() ? std::string(code->get_string())
                                                                : std::string("error");
        if (message != nullptr && message->is_string() && !message->get_string().empty()) {
            text += ": " + std::string(message->get_string());
        }
        return printable(text);
    }
    if (const json::value* output = result.if_contains("output");
        output != nullptr && output->is_string()) {
        return printable(trim_one_newline(std::string(output->get_string())));
    }
    if (const json::value* output = result.if_contains("output_base64");
        output != nullptr && output->is_string()) {
        std::string bytes;
        if (!base64_decode(output->get_string(), bytes)) {
            return "<invalid base64 output>";
        }
        return "<" + std::to_string(bytes.size()) + " bytes binary>";
    }
    if (const json::value* bytes = result.if_contains("output_bytes");
        bytes != nullptr && bytes->is_int64() && bytes->get_int64() > 0) {
        // The daemon's job history dropped it to stay within its output budget.
        return "<" + std::to_string(bytes->get_int64()) + " bytes, no longer in the job history>";
    }
    return "";
}

std::string format_duration_ms(std::int64_t ms) {
    if (ms < 0) {
        ms = 0;
    }
    char buf[32];
    if (ms < 1000) {
        std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ms));
    } else if (ms < 60'000) {
        // Two decimals, without trailing zeros: 1.25s, 1.5s, 2s.
        std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(ms) / 1000.0);
        std::string text = buf;
        while (text.ends_with('0')) {
            text.pop_back();
        }
        if (text.ends_with('.')) {
            text.pop_back();
        }
        return text + "s";
    } else if (ms < 3'600'000) {
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60'000),
                      static_cast<long long>(ms / 1000 % 60));
    } else {
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(ms / 3'600'000),
                      static_cast<long long>(ms / 60'000 % 60));
    }
    return buf;
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fff]Z
    const auto number = [&](std::size_t pos, std::size_t len, int& out) {
        if (pos + len > text.size()) {
            return false;
        }
        const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, out);
        return ec == std::errc{} && end == text.data() + pos + len;
    };
    std::tm tm{};
    int year = 0;
    int month = 0;
    if (text.size() < 20 || !number(0, 4, year) || text[4] != '-' || !number(5, 2, month) ||
        text[7] != '-' || !number(8, 2, tm.tm_mday) || (text[10] != 'T' && text[10] != 't') ||
        !number(11, 2, tm.tm_hour) || text[13] != ':' || !number(14, 2, tm.tm_min) ||
        text[16] != ':' || !number(17, 2, tm.tm_sec)) {
        return std::nullopt;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    std::size_t pos = 19;
    std::chrono::milliseconds fraction{0};
    if (text[pos] == '.') {
        ++pos;
        int scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            fraction += std::chrono::milliseconds((text[pos] - '0') * scale);
            scale /= 10;
            ++pos;
        }
    }
    if (pos + 1 != text.size() || (text[pos] != 'Z' && text[pos] != 'z')) {
        return std::nullopt;
    }
    const std::time_t seconds = ::timegm(&tm);
    if (seconds == -1) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(seconds) + fraction;
}

std::string format_age(std::chrono::system_clock::time_point then,
                       std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    // Clocks of two hosts may differ a little: a time slightly ahead is "just now", not negative.
    const auto s = std::max<std::int64_t>(0, duration_cast<seconds>(now - then).count());
    std::string text;
    if (s < 60) {
        text = std::to_string(s) + "s";
    } else if (s < 3600) {
        text = std::to_string(s / 60) + "m";
    } else if (s < 86400) {
        text = std::to_string(s / 3600) + "h" + std::to_string(s / 60 % 60) + "m";
    } else {
        text = std::to_string(s / 86400) + "d" + std::to_string(s / 3600 % 24) + "h";
    }
    return text + " ago";
}

std::string age_of(std::string_view rfc3339, std::chrono::system_clock::time_point now) {
    const auto when = parse_rfc3339(rfc3339);
    return when ? format_age(*when, now) : std::string(rfc3339);
}

void print_raw_json(std::ostream& out, const std::string& body) {
    out << body;
    if (!body.ends_with('\n')) {
        out << '\n';
    }
}

std::string pairs_text(const boost::json::object& map) {
    std::string out;
    for (const auto& [key, value] : map) {
        if (!out.empty()) {
            out += ",";
        }
        out += std::string(key) + "=" + (value.is_string() ? std::string(value.get_string()) : "");
    }
    return printable(out);
}

}  // namespace regcenter::ctl
