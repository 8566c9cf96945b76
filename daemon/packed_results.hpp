// A finished job's results as the history keeps them: every master id, name, output and
// error text back to back in one block, and one small fixed-size entry per target.
//
// The history holds up to 100,000 results. As job_results they would be up to four small
// strings each, allocated while the job ran in between its calls' short-lived frames and
// buffers; those strings pinned the heap pages the calls had used, so a daemon's RSS after a
// fan-out stayed near the fan-out's peak. Packed, a finished job is two allocations (mapped on
// their own when large) and its scattered strings are freed with the calls' buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "job.hpp"

namespace regcenter {

class packed_results {
  public:
    packed_results() = default;
    explicit packed_results(const std::vector<job_result>& results);

    /// The results as they were packed (outputs empty once dropped).
    std::vector<job_result> unpack() const;

    /// Drops the outputs, keeping statuses, errors and output sizes; returns the bytes dropped.
    std::size_t drop_outputs();

    std::size_t size() const { return entries_.size(); }
    std::size_t output_size() const { return output_size_; }

  private:
    // Lengths, in this order, of the pieces of one result in text_.
    enum piece : std::uint8_t { master, name, output, error_code, error_message, pieces };
    struct entry {
        std::uint64_t output_bytes;
        std::uint32_t length[pieces];
        std::uint32_t duration_ms;  // clamped: 49 days
        job_status status;
        bool has_error;
    };  // 40 bytes

    std::string text_;
    std::vector<entry> entries_;
    std::size_t output_size_ = 0;
};

}  // namespace regcenter
