// What the machine itself does, measured in the same run as the servers: a TCP ping-pong and a
// bulk transfer over loopback between the server's CPU and the load's CPU, with no server in
// between. Every figure of both servers sits on top of these (docs/benchmarks.md).
#pragma once

#include <cstdint>
#include <optional>

#include "report.hpp"

namespace regcenter::bench {

struct calibration {
    series round_trip_us;    ///< one 64-byte ping-pong, per round trip
    series echo_cpu_us;      ///< the echoing side's CPU time per round trip
    series throughput_gbps;  ///< 1 GiB in 1 MiB writes
};

/// The echoing and receiving side runs on `server_cpu` (if given), this process on its CPU.
calibration calibrate(std::optional<int> server_cpu, std::uint64_t bulk_bytes);

}  // namespace regcenter::bench
