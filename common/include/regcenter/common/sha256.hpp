// SHA-256 (FIPS 180-4), used to fingerprint tokens so that secrets are never shown or logged.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace regcenter {

using sha256_digest = std::array<std::uint8_t, 32>;

/// The SHA-256 digest of `data`.
sha256_digest sha256(std::string_view data);

/// Lowercase hexadecimal form of `bytes`.
std::string to_hex(const std::uint8_t* bytes, std::size_t size);

/// "sha256:" followed by the first 16 hex digits of the token's SHA-256: enough to tell tokens
/// apart in listings and logs, useless for recovering the token.
std::string token_fingerprint(std::string_view token);

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace regcenter
