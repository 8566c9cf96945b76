// What the kernel says about a process: resident memory and CPU time, from /proc. The figures
// are the server's own, so they don't depend on how fast the load generator is.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace regcenter::bench {

struct proc_sample {
    std::uint64_t rss_bytes = 0;       ///< VmRSS
    std::chrono::microseconds cpu{0};  ///< user + system time so far
};

/// Reads /proc/PID/status and /proc/PID/stat; nullopt when the process is gone.
std::optional<proc_sample> sample_process(int pid);

/// Raises this process's open-file soft limit to the hard one; returns the new soft limit.
std::uint64_t raise_open_file_limit();

}  // namespace regcenter::bench
