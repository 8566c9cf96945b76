// Listen addresses as configuration writes them: "a.b.c.d:port" or "[ipv6]:port".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "regcenter/common/net.hpp"

namespace regcenter {

/// Parses a numeric address with a port 0 … 65535; host names are not resolved. nullopt for
/// anything else, so callers word the error for their context (a config key, an API call).
std::optional<tcp::endpoint> parse_host_port(std::string_view text);

/// "ip:port", with brackets for IPv6: the inverse of parse_host_port, as logs and the registry
/// show addresses.
std::string to_string(const tcp::endpoint& ep);

}  // namespace regcenter
