// The bytes the benchmark pushes through streams, and the check the receiving master makes:
// a fixed pseudo-random sequence, so a master verifies every byte at its offset with memcmp
// (fast enough not to limit a 4 GB/s stream) and any loss, duplicate or reordering fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regcenter::bench::payload {

/// The longest slice asked for at once: the operator's WebSocket messages are 1 MiB.
inline constexpr std::size_t max_slice = 1 << 20;

/// The `length` bytes of the stream starting at `offset` (length <= max_slice).
std::string_view at(std::uint64_t offset, std::size_t length);

/// Whether `data` is exactly the stream's bytes at `offset`.
bool matches(std::uint64_t offset, std::string_view data);

/// The 64 bytes every fan-out and unicast call carries.
std::string_view small();

/// A master's end of a stream workload: counts the bytes and checks each one at its offset.
class sink {
  public:
    void feed(std::string_view data);
    /// "ok <bytes>" when every byte matched so far, else "corrupt at <offset>"; the operator
    /// compares it with what it sent.
    std::string verdict() const;

  private:
    std::uint64_t bytes_ = 0;
    std::optional<std::uint64_t> first_bad_;
};

/// The verdict a sink that received `bytes` intact gives.
std::string intact(std::uint64_t bytes);

}  // namespace regcenter::bench::payload
