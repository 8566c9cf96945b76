// Gives the heap memory freed after a large job back to the system. glibc's malloc keeps freed
// memory below its heap top for reuse, so without this a daemon's RSS after a fan-out to
// 10,000 masters stays at the fan-out's peak: its answer, its calls' buffers and frames.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "regcenter/common/net.hpp"

namespace regcenter {

class memory_release {
  public:
    /// Fixed malloc thresholds instead of glibc's sliding ones: blocks of 256 KiB and more
    /// (a fan-out's answer, its results while they are assembled) are mapped on their own and
    /// unmapped when freed, and a free heap top over 1 MiB is returned at once. The sliding
    /// threshold would otherwise rise to the largest block freed so far and keep the next
    /// ones of that size in the heap. Call once, before any thread starts.
    static void configure_allocator();

    explicit memory_release(net::io_context& ioc,
                            std::chrono::milliseconds delay = std::chrono::milliseconds(100));

    /// Releases free heap pages `delay` from now, once for all the requests made meanwhile,
    /// so a burst of large jobs costs one release. Thread-safe; cheap when one is pending.
    void request();

    /// Releases done so far.
    std::uint64_t releases() const { return releases_.load(std::memory_order_relaxed); }

  private:
    void release();

    net::io_context& ioc_;
    net::steady_timer timer_;
    const std::chrono::milliseconds delay_;
    std::atomic<bool> pending_{false};
    std::atomic<std::uint64_t> releases_{0};
};

}  // namespace regcenter
