// UTF-8 validation: JSON strings must be UTF-8, so bytes that aren't travel base64-encoded.
#pragma once

#include <string_view>

namespace regcenter {

/// True if `s` is well-formed UTF-8 (structure only: lead and continuation bytes).
bool valid_utf8(std::string_view s);

}  // namespace regcenter
