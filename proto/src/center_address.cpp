// Parsing of center URLs (see center_address.hpp).
#include "regcenter/proto/center_address.hpp"

#include <algorithm>
#include <charconv>

#include "regcenter/proto/protocol.hpp"

namespace regcenter::proto {
namespace {

constexpr std::string_view scheme = "ws://";

bool valid_host_char(char c) {
    // Names and IPv4 literals; anything else (userinfo, query, spaces) is not a center address.
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    unsigned value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    if (value == 0 || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string center_address::key() const {
    const std::string port_text = std::to_string(port);
    if (host.find(':') != std::string::npos) {
        return "[" + host + "]:" + port_text;
    }
    return host + ":" + port_text;
}

std::optional<center_address> parse_center_url(std::string_view url) {
    if (!url.starts_with(scheme)) {
        return std::nullopt;
    }
    std::string_view rest = url.substr(scheme.size());
    const std::size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
        if (rest.substr(slash) != master_path) {
            return std::nullopt;
        }
        rest = rest.substr(0, slash);
    }

    center_address out;
    std::string_view port_text;
    if (rest.starts_with('[')) {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos || close == 1 || close + 1 >= rest.size() ||
            rest[close + 1] != ':') {
            return std::nullopt;
        }
        const std::string_view host = rest.substr(1, close - 1);
        const bool v6_chars = std::all_of(host.begin(), host.end(), [](char c) {
            return c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                   (c >= 'A' && c <= 'F');
        });
        if (!v6_chars || host.find(':') == std::string_view::npos) {
            return std::nullopt;
        }
        out.host = std::string(host);
        port_text = rest.substr(close + 2);
    } else {
        const std::size_t colon = rest.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return std::nullopt;
        }
        const std::string_view host = rest.substr(0, colon);
        if (!std::all_of(host.begin(), host.end(), valid_host_char)) {
            return std::nullopt;
        }
        out.host = std::string(host);
        port_text = rest.substr(colon + 1);
    }

    const auto port = parse_port(port_text);
    if (!port) {
        return std::nullopt;
    }
    out.port = *port;
    return out;
}

}  // namespace regcenter::proto
