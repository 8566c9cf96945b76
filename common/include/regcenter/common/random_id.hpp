// Unpredictable identifiers from the kernel's random source.
#pragma once

#include <cstddef>
#include <string>

namespace regcenter {

/// `bytes` random bytes from getrandom(2) as lowercase hex; session ids use 16 bytes (128 bits).
/// Throws std::system_error if the kernel refuses, which does not happen after early boot.
/// The bytes come from a per-thread pool refilled 4 KiB at a time: a process that forks must
/// not take ids in both parent and child from the same pool (regcenterd never forks).
std::string random_hex_id(std::size_t bytes = 16);

}  // namespace regcenter
