// Where a center is: host and port, or parsed from a ws:// URL (SDK connect(), cluster.peers).
// No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regcenter::proto {

struct center_address {
    std::string host;  ///< a name or an IP literal, IPv6 without brackets
    std::uint16_t port = 0;

    /// "host:port", with brackets around an IPv6 literal; the key of a center in the master and
    /// the Host header of the handshake.
    std::string key() const;

    friend bool operator==(const center_address&, const center_address&) = default;
};

/// Accepts "ws://host:port" and "ws://host:port/v1/master" (host may be "[v6 literal]"); any other
/// form, a missing or zero port, or a port above 65535 yields nullopt.
std::optional<center_address> parse_center_url(std::string_view url);

}  // namespace regcenter::proto
