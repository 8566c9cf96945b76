// regcenter-bench: measures regcenterd where its users feel it and prints a table plus JSON
// (docs/benchmarks.md). This first part runs the "hold N sessions" workload against a
// regcenterd it starts, and the same against a nats-server in the same run: connect rate, the
// server's memory per session and its CPU while the sessions sit idle, with the ratio
// regcenter/NATS. The server runs pinned to CPU 0 and the load to CPU 1 when the machine has
// two.
//
//   regcenter-bench --daemon PATH [--nats PATH|none] [--sessions N,N,...] [--runs R]
//                   [--idle SECONDS] [--json FILE] [--work DIR]
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
#include "nats_fleet.hpp"
#include "proc_stats.hpp"
#include "server_process.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace regcenter::bench;

namespace {

struct options {
    std::string daemon;
    std::string nats = "nats-server";  ///< "none" skips the NATS side
    std::vector<std::size_t> sessions{1000, 10000, 19000};
    int runs = 3;
    double idle_seconds = 30;
    std::string json_path;
    fs::path work = fs::temp_directory_path() / "regcenter-bench";
};

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "regcenter-bench: " << why
              << "\nusage: regcenter-bench --daemon PATH [--nats PATH|none] [--sessions N,N,...] "
                 "[--runs R] [--idle SECONDS] [--json FILE] [--work DIR]\n";
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
            } else if (arg == "--nats") {
                o.nats = value();
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

// Connects `n` sessions of `fleet` to `server`, then lets them sit for the idle period.
template <class Fleet>
hold_run measure_hold(const server_process& server, Fleet& fleet, std::size_t n, double idle) {
    const auto before = sample_process(server.pid()).value();
    const auto connected = fleet.connect(n, 512, std::chrono::seconds(120));
    fleet.hold(std::chrono::milliseconds(200));  // let the server settle its buffers
    const auto after_connect = sample_process(server.pid()).value();
    fleet.hold(std::chrono::milliseconds(static_cast<long>(idle * 1000)));
    const auto after_idle = sample_process(server.pid()).value();
    hold_run r;
    r.failed = connected.failed + (n - connected.ready - connected.failed);
    r.connect_rate = static_cast<double>(connected.ready) / connected.elapsed.count();
    r.rss_per_session =
        (static_cast<double>(after_connect.rss_bytes) - static_cast<double>(before.rss_bytes)) /
        static_cast<double>(std::max<std::size_t>(connected.ready, 1));
    r.idle_cpu_percent =
        100.0 * static_cast<double>((after_idle.cpu - after_connect.cpu).count()) / (idle * 1e6);
    fleet.drop_all();
    return r;
}

std::string log_path(const options& o, const std::string& system, std::size_t n, int run) {
    return (o.work / (system + "-hold-" + std::to_string(n) + "-" + std::to_string(run) + ".log"))
        .string();
}

hold_run run_hold_regcenter(const options& o, std::optional<int> server_cpu, std::size_t n,
                            int run) {
    const std::uint16_t port = free_port();
    const std::uint16_t admin_port = free_port();
    const fs::path config = o.work / "regcenterd.yaml";
    std::ofstream(config) << "listen: 127.0.0.1:" << port
                          << "\nadmin:\n  listen: 127.0.0.1:" << admin_port
                          << "\n  token: bench-admin\nauth:\n  token: [bench]\n"
                          << "log:\n  level: notice\n";
    const std::string log = log_path(o, "regcenterd", n, run);
    server_process server({o.daemon, "--config", config.string()}, server_cpu, log);
    if (!server.wait_listening(port)) {
        throw std::runtime_error("regcenterd did not start; see " + log);
    }
    lean_fleet fleet({regcenter::net::ip::make_address("127.0.0.1"), port}, "bench");
    return measure_hold(server, fleet, n, o.idle_seconds);
}

hold_run run_hold_nats(const options& o, std::optional<int> server_cpu, std::size_t n, int run) {
    const std::uint16_t port = free_port();
    const std::string log = log_path(o, "nats-server", n, run);
    server_process server({o.nats, "-a", "127.0.0.1", "-p", std::to_string(port)}, server_cpu, log);
    if (!server.wait_listening(port)) {
        throw std::runtime_error("nats-server did not start; see " + log);
    }
    nats_fleet fleet({regcenter::net::ip::make_address("127.0.0.1"), port});
    return measure_hold(server, fleet, n, o.idle_seconds);
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
    std::printf("%-10s %-22s %8s %14s %14s %12s %8s\n", "system", "workload", "N", "median", "p99",
                "unit", "failed");
    const bool with_nats = o.nats != "none" && find_program(o.nats);
    if (o.nats != "none" && !with_nats) {
        std::cerr << "regcenter-bench: " << o.nats
                  << " not found (Debian package nats-server); measuring regcenter alone\n";
    }
    for (std::size_t n : o.sessions) {
        if (n + 100 > files) {
            std::cerr << "skipping N=" << n << ": above the open-file limit " << files << "\n";
            continue;
        }
        struct series {
            std::vector<double> rate, rss, cpu;
            std::size_t failed = 0;
        };
        series ours;
        series theirs;
        for (int run = 0; run < o.runs; ++run) {
            auto add = [](series& to, const hold_run& r) {
                to.rate.push_back(r.connect_rate);
                to.rss.push_back(r.rss_per_session);
                to.cpu.push_back(r.idle_cpu_percent);
                to.failed += r.failed;
            };
            add(ours, run_hold_regcenter(o, server_cpu, n, run));
            if (with_nats) {
                add(theirs, run_hold_nats(o, server_cpu, n, run));
            }
        }
        total_failed += ours.failed + theirs.failed;
        const auto row = [&](const char* system, const char* name, const std::vector<double>& v,
                             const char* unit, std::size_t failed) {
            std::printf("%-10s %-22s %8zu %14.1f %14.1f %12s %8zu\n", system, name, n, median(v),
                        p99(v), unit, failed);
            results.push_back(json::object{{"system", system},
                                           {"workload", name},
                                           {"n", n},
                                           {"runs", o.runs},
                                           {"median", median(v)},
                                           {"p99", p99(v)},
                                           {"unit", unit},
                                           {"failed", failed},
                                           {"values", json::value_from(v)}});
        };
        const auto figure = [&](const char* name, const std::vector<double>& a,
                                const std::vector<double>& b, const char* unit) {
            row("regcenter", name, a, unit, ours.failed);
            if (with_nats) {
                row("nats", name, b, unit, theirs.failed);
                const double ratio = median(b) != 0 ? median(a) / median(b) : 0;
                std::printf("%-10s %-22s %8zu %14.2f\n", "ratio", name, n, ratio);
                results.push_back(json::object{
                    {"system", "ratio"}, {"workload", name}, {"n", n}, {"median", ratio}});
            }
        };
        figure("hold.connect_rate", ours.rate, theirs.rate, "sessions/s");
        figure("hold.rss_per_session", ours.rss, theirs.rss, "bytes");
        figure("hold.idle_cpu", ours.cpu, theirs.cpu, "% of a core");
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
