// Gives the heap memory freed after a large job back to the system. glibc's malloc keeps freed
// memory below its heap top for reuse, so without this a daemon's RSS after a fan-out to
// 10,000 masters stays at the fan-out's peak: its answer, its calls' buffers and frames.
//
// malloc's thresholds stay glibc's sliding ones on purpose: fixing the mmap threshold low
// (256 KiB) returned a fan-out's large blocks at once, but made every large stream buffer a
// fresh mapping, and page faults cost streams about a fifth of their throughput.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "regcenter/common/net.hpp"

namespace regcenter {

class memory_release {
  public:
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
