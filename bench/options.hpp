// regcenter-bench's command line (docs/benchmarks.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace regcenter::bench {

struct bench_options {
    std::string daemon;                ///< regcenterd
    std::string operator_program;      ///< regcenter-bench-operator
    std::string nats = "nats-server";  ///< "none" measures regcenter alone
    std::set<std::string> workloads{"hold", "storm", "fanout", "unicast", "stream", "discovery"};
    int runs = 3;
    std::vector<std::size_t> sessions{1000, 10000, 19000};  ///< hold
    double idle_seconds = 30;                               ///< hold
    std::vector<std::size_t> storm{1000, 10000};            ///< reconnect storm sizes
    std::vector<std::size_t> fanout{1000, 10000};           ///< fan-out sizes
    int fanouts = 30;                                       ///< fan-outs per run
    std::size_t call_masters = 100;                         ///< unicast and stream fleet
    std::size_t in_flight = 64;                             ///< unicast callers at once
    double call_seconds = 3;                                ///< per unicast measurement
    std::uint64_t stream_bytes = 1ull << 30;                ///< the one big stream
    std::size_t concurrent_streams = 100;
    std::uint64_t concurrent_stream_bytes = 10ull << 20;  ///< each
    std::size_t discovery_sessions = 19000;               ///< masters connected
    std::size_t discovery_every = 19;                     ///< one instance per this many
    int discovery_queries = 200;                          ///< queries, and event rounds
    std::size_t watchers = 100;                           ///< operators watching events
    std::string json_path;
    std::filesystem::path work = std::filesystem::temp_directory_path() / "regcenter-bench";
};

/// Parses the command line; prints usage and exits 2 on a mistake.
bench_options parse_options(int argc, char** argv);

}  // namespace regcenter::bench
