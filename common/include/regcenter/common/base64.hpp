// Base64 (RFC 4648, with padding) for binary data in JSON bodies.
#pragma once

#include <string>
#include <string_view>

namespace regcenter {

std::string base64_encode(std::string_view bytes);

/// False (and `out` unspecified) when `text` is not base64.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace regcenter
