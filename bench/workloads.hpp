// The workloads of docs/benchmarks.md. Each runs on a fresh server per run, regcenter first,
// then NATS in the same way, and adds its figures to the report.
#pragma once

#include <optional>

#include "options.hpp"
#include "report.hpp"

namespace regcenter::bench {

struct bench_run {
    const bench_options& o;
    std::optional<int> server_cpu;  ///< where servers are pinned, if anywhere
    bool with_nats = false;
    report& out;
};

/// 1. Hold N sessions: connect rate, memory per session, CPU while idle.
void hold_workload(const bench_run& b);
/// 2. Reconnect storm: N SDK masters lose the center (SIGKILL, restart on the same ports) and
/// come back with the SDK's backoff; NATS masters with the same policy.
void storm_workload(const bench_run& b);
/// 3. Fan-out to N masters from the operator: latency, server CPU per master, memory after.
void fanout_workload(const bench_run& b);
/// 4. and 5. on one fleet: unicast round trips and throughput, one big stream, many streams.
void call_workloads(const bench_run& b);
/// 6. Discovery (regcenter only): query latency, and service events to many watchers.
void discovery_workload(const bench_run& b);

}  // namespace regcenter::bench
