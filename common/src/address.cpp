// One parser for host:port, used by the configuration loader and the listeners alike.
#include "regcenter/common/address.hpp"

#include <charconv>

namespace regcenter {

std::optional<tcp::endpoint> parse_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    unsigned number = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || port.size() > 5 || ptr != port.data() + port.size() || ec != std::errc{} ||
        number > 65535) {
        return std::nullopt;
    }
    const bool bracketed = text.front() == '[';
    beast::error_code parse_ec;
    const auto address = net::ip::make_address(std::string(host), parse_ec);
    if (parse_ec || address.is_v6() != bracketed) {
        return std::nullopt;
    }
    return tcp::endpoint(address, static_cast<unsigned short>(number));
}

std::string to_string(const tcp::endpoint& ep) {
    const auto address = ep.address();
    std::string host = address.to_string();
    if (address.is_v6()) {
        host = "[" + host + "]";
    }
    return host + ":" + std::to_string(ep.port());
}

}  // namespace regcenter
