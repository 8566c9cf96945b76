// regcenter-bench: measures regcenterd where its users feel it and prints a table plus JSON
// (docs/benchmarks.md). This first part runs the "hold N sessions" workload against a
// regcenterd it starts: connect+auth rate, the daemon's memory per session and its CPU while
// the sessions sit idle. The server runs pinned to CPU 0 and the load to CPU 1 when the
// machine has two.
//
//   regcenter-bench --daemon PATH [--sessions N,N,...] [--runs R] [--idle SECONDS]
//                   [--json FILE] [--work DIR]
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "lean_fleet.hpp"
#include "proc_stats.hpp"
#include "server_process.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace regcenter::bench;

namespace {

struct options {
    std::string daemon;
    std::vector<std::size_t> sessions{1000, 10000, 19000};
    int runs = 3;
    double idle_seconds = 30;
    std::string json_path;
    fs::path work = fs::temp_directory_path() / "regcenter-bench";
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "regcenter-bench: " << why
              << "\nusage: regcenter-bench --daemon PATH [--sessions N,N,...] [--runs R] "
                 "[--idle SECONDS] [--json FILE] [--work DIR]\n";
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage(arg + " needs a value");
            }
            return argv[++i];
        };
        try {
            if (arg == "--daemon") {
                o.daemon = value();
            } else if (arg == "--sessions") {
                o.sessions.clear();
                std::stringstream list(value());
                for (std::string n; std::getline(list, n, ',');) {
                    o.sessions.push_back(std::stoul(n));
                }
            } else if (arg == "--runs") {
                o.runs = std::stoi(value());
            } else if (arg == "--idle") {
                o.idle_seconds = std::stod(value());
            } else if (arg == "--json") {
                o.json_path = value();
            } else if (arg == "--work") {
                o.work = value();
            } else {
                usage("unknown option " + arg);
            }
        } catch (const std::logic_error&) {
            usage("bad value for " + arg);
        }
    }
    if (o.daemon.empty()) {
        usage("--daemon is required");
    }
    if (o.runs < 1 || o.sessions.empty()) {
        usage("--runs and --sessions must be positive");
    }
    return o;
}

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

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double p99(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(v.size() * 0.99))];
}

struct hold_run {
    double connect_rate = 0;     // sessions/s, connect + WebSocket upgrade + token auth
    double rss_per_session = 0;  // bytes
    double idle_cpu_percent = 0;
    std::size_t failed = 0;
};

hold_run run_hold(const options& o, std::optional<int> server_cpu, std::size_t n, int run) {
    const std::uint16_t port = free_port();
    const std::uint16_t admin_port = free_port();
    const fs::path config = o.work / "regcenterd.yaml";
    std::ofstream(config) << "listen: 127.0.0.1:" << port
                          << "\nadmin:\n  listen: 127.0.0.1:" << admin_port
                          << "\n  token: bench-admin\nauth:\n  token: [bench]\n"
                          << "log:\n  level: notice\n";
    const std::string log =
        (o.work / ("regcenterd-hold-" + std::to_string(n) + "-" + std::to_string(run) + ".log"))
            .string();
    server_process server({o.daemon, "--config", config.string()}, server_cpu, log);
    if (!server.wait_listening(port)) {
        throw std::runtime_error("regcenterd did not start; see " + log);
    }
    const auto before = sample_process(server.pid()).value();
    lean_fleet fleet({regcenter::net::ip::make_address("127.0.0.1"), port}, "bench");
    const auto connected = fleet.connect(n, 512, std::chrono::seconds(120));
    fleet.hold(std::chrono::milliseconds(200));  // let the server settle its buffers
    const auto after_connect = sample_process(server.pid()).value();
    fleet.hold(std::chrono::milliseconds(static_cast<long>(o.idle_seconds * 1000)));
    const auto after_idle = sample_process(server.pid()).value();

    hold_run r;
    r.failed = connected.failed;
    r.connect_rate = static_cast<double>(connected.authenticated) / connected.elapsed.count();
    r.rss_per_session =
        (static_cast<double>(after_connect.rss_bytes) - static_cast<double>(before.rss_bytes)) /
        static_cast<double>(std::max<std::size_t>(connected.authenticated, 1));
    r.idle_cpu_percent = 100.0 * static_cast<double>((after_idle.cpu - after_connect.cpu).count()) /
                         (o.idle_seconds * 1e6);
    fleet.drop_all();
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    const options o = parse(argc, argv);
    fs::create_directories(o.work);
    const std::uint64_t files = raise_open_file_limit();
    const std::optional<int> server_cpu = pin_load();
    std::cout << "regcenter-bench: open-file limit " << files << ", server pinned to "
              << (server_cpu ? "CPU 0, load to CPU 1" : "no CPU (one core)") << "\n\n";

    json::array results;
    std::size_t total_failed = 0;
    std::printf("%-26s %8s %14s %14s %12s %12s\n", "workload", "N", "median", "p99", "unit",
                "failed");
    for (std::size_t n : o.sessions) {
        if (n + 100 > files) {
            std::cerr << "skipping N=" << n << ": above the open-file limit " << files << "\n";
            continue;
        }
        std::vector<double> rate;
        std::vector<double> rss;
        std::vector<double> cpu;
        std::size_t failed = 0;
        for (int run = 0; run < o.runs; ++run) {
            const hold_run r = run_hold(o, server_cpu, n, run);
            rate.push_back(r.connect_rate);
            rss.push_back(r.rss_per_session);
            cpu.push_back(r.idle_cpu_percent);
            failed += r.failed;
        }
        const auto row = [&](const char* name, const std::vector<double>& v, const char* unit) {
            std::printf("%-26s %8zu %14.1f %14.1f %12s %12zu\n", name, n, median(v), p99(v), unit,
                        failed);
            results.push_back(json::object{{"system", "regcenter"},
                                           {"workload", name},
                                           {"n", n},
                                           {"runs", o.runs},
                                           {"median", median(v)},
                                           {"p99", p99(v)},
                                           {"unit", unit},
                                           {"failed", failed},
                                           {"values", json::value_from(v)}});
        };
        total_failed += failed;
        row("hold.connect_rate", rate, "sessions/s");
        row("hold.rss_per_session", rss, "bytes");
        row("hold.idle_cpu", cpu, "% of a core");
    }
    if (!o.json_path.empty()) {
        std::ofstream(o.json_path) << json::serialize(json::object{{"results", results}}) << "\n";
    }
    // A run where sessions failed measured something else than it claims: say so in the status.
    if (total_failed > 0) {
        std::cerr << "regcenter-bench: " << total_failed << " sessions failed to connect\n";
        return 1;
    }
    return 0;
}
