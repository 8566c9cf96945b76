// regcenter-bench: measures regcenterd where its users feel it, side by side with nats-server
// in the same run, and prints a table plus JSON (docs/benchmarks.md).
//
// Each workload starts a fresh server per run, pinned to CPU 0; the simulated masters (this
// process) and the operator (regcenter-bench-operator, a separate process) run on CPU 1.
// Every figure has a regcenter row, a NATS row and their ratio.
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "calibration.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "workloads.hpp"

namespace fs = std::filesystem;
using namespace regcenter::bench;

namespace {

// Server on CPU 0, load on CPU 1, when there are two; otherwise no pinning.
std::optional<int> pin_load() {
    if (std::thread::hardware_concurrency() < 2) {
        return std::nullopt;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    sched_setaffinity(0, sizeof set, &set);
    return 0;
}

// Whether `name` is a path to an executable or an executable on PATH.
bool find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        return ::access(name.c_str(), X_OK) == 0;
    }
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (::access((dir + "/" + name).c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    bench_options o = parse_options(argc, argv);
    fs::create_directories(o.work);
    const std::uint64_t files = raise_open_file_limit();
    const std::optional<int> server_cpu = pin_load();
    const bool with_nats = o.nats != "none" && find_program(o.nats);
    std::cout << "regcenter-bench: open-file limit " << files << ", server pinned to "
              << (server_cpu ? "CPU 0, load to CPU 1" : "no CPU (one core)") << "; "
              << (with_nats ? "NATS side by side" : "regcenter alone") << "\n\n";
    if (o.nats != "none" && !with_nats) {
        std::cerr << "regcenter-bench: " << o.nats
                  << " not found (Debian package nats-server); measuring regcenter alone\n";
    }
    if (!find_program(o.operator_program)) {
        std::cerr << "regcenter-bench: the operator " << o.operator_program
                  << " is missing; pass --operator PATH\n";
        return 2;
    }
    // One process holds every master: N beyond the open-file limit can't be measured here.
    std::erase_if(o.sessions, [&](std::size_t n) {
        const bool over = n + 100 > files;
        if (over) {
            std::cerr << "regcenter-bench: skipping N=" << n << ": above the open-file limit "
                      << files << "\n";
        }
        return over;
    });

    report out(with_nats);
    // The floor under every figure: loopback TCP between the two CPUs, no server involved.
    const calibration floor =
        calibrate(server_cpu, std::min<std::uint64_t>(o.stream_bytes, 1ull << 30));
    out.add_single("loopback", "tcp.round_trip", 1, "us", floor.round_trip_us);
    out.add_single("loopback", "tcp.echo_cpu_per_round_trip", 1, "us", floor.echo_cpu_us);
    out.add_single("loopback", "tcp.throughput", 1, "GB/s", floor.throughput_gbps);
    const bench_run run{o, server_cpu, with_nats, out};
    if (o.workloads.contains("hold")) {
        hold_workload(run);
    }
    if (o.workloads.contains("storm")) {
        storm_workload(run);
    }
    if (o.workloads.contains("fanout")) {
        fanout_workload(run);
    }
    if (o.workloads.contains("unicast") || o.workloads.contains("stream")) {
        call_workloads(run);
    }
    if (o.workloads.contains("discovery")) {
        discovery_workload(run);
    }
    if (!o.json_path.empty()) {
        out.write_json(o.json_path);
    }
    // A run where something failed measured something else than it claims: say so.
    if (out.failed() > 0) {
        std::cerr << "regcenter-bench: " << out.failed() << " failures, see above\n";
        return 1;
    }
    return 0;
}
