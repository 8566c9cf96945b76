// Unpredictable identifiers from the kernel's random source.
#pragma once

#include <cstddef>
#include <string>

namespace regcenter {

/// `bytes` random bytes from getrandom(2) as lowercase hex; session ids use 16 bytes (128 bits).
/// Throws std::system_error if the kernel refuses, which does not happen after early boot.
std::string random_hex_id(std::size_t bytes = 16);

}  // namespace regcenter
