// regcenter-bench-operator: the operator side of the action workloads, in its own process. It
// drives the server only through its public interface: regcenter through the admin HTTP API
// and its stream WebSocket endpoint, NATS through its C client (libnats). It prints one JSON
// object (operator_result) on stdout; on failure it prints a message on stderr and exits 1.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace regcenter::bench {

enum class operator_workload {
    fanout,   ///< one call to every master, `repeat` times; a sample per call
    unicast,  ///< calls to single masters by `callers` callers for `seconds`; a sample per call
    stream,   ///< `streams` streams of `bytes` each, one per master, all at once
};

struct operator_options {
    operator_workload workload = operator_workload::fanout;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;         ///< regcenter: the admin port; NATS: the client port
    std::string token;              ///< regcenter's admin token
    int server_pid = 0;             ///< whose CPU time to report around the measured part
    std::size_t masters = 0;        ///< masters connected (fan-out: all must answer)
    int repeat = 30;                ///< fan-out calls
    std::size_t callers = 1;        ///< unicast calls in flight
    double seconds = 2;             ///< unicast duration
    std::size_t streams = 1;        ///< concurrent streams
    std::uint64_t bytes = 1 << 20;  ///< per stream
};

/// What the operator measured; printed as JSON.
struct operator_result {
    std::vector<double> samples_us;   ///< per call: fan-out and unicast latencies
    std::uint64_t operations = 0;     ///< calls, or streams
    double seconds = 0;               ///< wall time of the measured part
    std::uint64_t bytes = 0;          ///< stream payload delivered and verified
    std::uint64_t server_cpu_us = 0;  ///< the server's CPU time during the measured part
};

boost::json::object to_json(const operator_result& r);

/// The workloads against regcenterd's admin API; throw std::runtime_error with what failed.
operator_result run_regcenter_operator(const operator_options& o);
/// The workloads against nats-server through libnats; throw std::runtime_error likewise.
operator_result run_nats_operator(const operator_options& o);

/// The server's CPU time so far (0 when pid is 0 or gone).
std::chrono::microseconds server_cpu(int pid);

}  // namespace regcenter::bench
