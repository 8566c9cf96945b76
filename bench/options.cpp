#include "options.hpp"

#include <iostream>
#include <sstream>

namespace regcenter::bench {
namespace {

constexpr const char* usage_text =
    "usage: regcenter-bench --daemon PATH [--operator PATH] [--nats PATH|none]\n"
    "         [--workloads hold,storm,fanout,unicast,stream,discovery] [--runs R]\n"
    "         [--sessions N,N,...] [--idle SECONDS] [--storm N,N,...]\n"
    "         [--fanout N,N,...] [--fanouts K]\n"
    "         [--call-masters N] [--in-flight N] [--call-seconds S]\n"
    "         [--stream-bytes B] [--concurrent-streams N] [--concurrent-stream-bytes B]\n"
    "         [--discovery-sessions N] [--discovery-every K] [--watchers W]\n"
    "         [--smoke] [--json FILE] [--work DIR]\n";

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "regcenter-bench: " << why << "\n" << usage_text;
    std::exit(2);
}

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> items;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');) {
        items.push_back(item);
    }
    return items;
}

std::vector<std::size_t> sizes(const std::string& list) {
    std::vector<std::size_t> n;
    for (const auto& item : split(list)) {
        n.push_back(std::stoul(item));
    }
    return n;
}

// Tiny sizes for the test suite: every workload runs in seconds and nothing is measured.
void make_smoke(bench_options& o) {
    o.runs = 1;
    o.sessions = {50, 200};
    o.idle_seconds = 0.2;
    o.storm = {50};
    o.fanout = {50};
    o.fanouts = 3;
    o.call_masters = 10;
    o.in_flight = 8;
    o.call_seconds = 0.2;
    o.stream_bytes = 4ull << 20;
    o.concurrent_streams = 10;
    o.concurrent_stream_bytes = 300000;  // not a multiple of any frame or message size
    o.discovery_sessions = 200;
    o.discovery_every = 10;
    o.discovery_queries = 5;
    o.watchers = 10;
}

}  // namespace

bench_options parse_options(int argc, char** argv) {
    bench_options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--smoke") {
            make_smoke(o);  // later options still override
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            std::exit(0);
        }
        if (i + 1 >= argc) {
            usage(arg + " needs a value");
        }
        const std::string value = argv[++i];
        try {
            if (arg == "--daemon") {
                o.daemon = value;
            } else if (arg == "--operator") {
                o.operator_program = value;
            } else if (arg == "--nats") {
                o.nats = value;
            } else if (arg == "--workloads") {
                o.workloads.clear();
                for (const auto& w : split(value)) {
                    if (w != "hold" && w != "storm" && w != "fanout" && w != "unicast" &&
                        w != "stream" && w != "discovery") {
                        usage("unknown workload " + w);
                    }
                    o.workloads.insert(w);
                }
            } else if (arg == "--runs") {
                o.runs = std::stoi(value);
            } else if (arg == "--sessions") {
                o.sessions = sizes(value);
            } else if (arg == "--idle") {
                o.idle_seconds = std::stod(value);
            } else if (arg == "--storm") {
                o.storm = sizes(value);
            } else if (arg == "--fanout") {
                o.fanout = sizes(value);
            } else if (arg == "--fanouts") {
                o.fanouts = std::stoi(value);
            } else if (arg == "--call-masters") {
                o.call_masters = std::stoul(value);
            } else if (arg == "--in-flight") {
                o.in_flight = std::stoul(value);
            } else if (arg == "--call-seconds") {
                o.call_seconds = std::stod(value);
            } else if (arg == "--stream-bytes") {
                o.stream_bytes = std::stoull(value);
            } else if (arg == "--concurrent-streams") {
                o.concurrent_streams = std::stoul(value);
            } else if (arg == "--concurrent-stream-bytes") {
                o.concurrent_stream_bytes = std::stoull(value);
            } else if (arg == "--discovery-sessions") {
                o.discovery_sessions = std::stoul(value);
            } else if (arg == "--discovery-every") {
                o.discovery_every = std::stoul(value);
            } else if (arg == "--watchers") {
                o.watchers = std::stoul(value);
            } else if (arg == "--json") {
                o.json_path = value;
            } else if (arg == "--work") {
                o.work = value;
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
    if (o.operator_program.empty()) {
        // Built next to regcenter-bench.
        const std::filesystem::path self = std::filesystem::canonical("/proc/self/exe");
        o.operator_program = (self.parent_path() / "regcenter-bench-operator").string();
    }
    if (o.runs < 1 || o.fanouts < 1 || o.call_masters < 1 || o.in_flight < 1 ||
        o.discovery_every < 1 || o.watchers < 1 || o.concurrent_streams > o.call_masters) {
        usage(
            "--runs, --fanouts, --call-masters, --in-flight, --discovery-every and --watchers "
            "must be positive, and "
            "--concurrent-streams at most --call-masters");
    }
    return o;
}

}  // namespace regcenter::bench
