// regcenter-bench-operator SYSTEM WORKLOAD [options]: see operator.hpp. Started by
// regcenter-bench, which reads the JSON it prints; usable by hand against a running server.
#include <iostream>
#include <string>

#include <boost/json.hpp>

#include "operator.hpp"
#include "proc_stats.hpp"

using namespace regcenter::bench;

namespace regcenter::bench {

boost::json::object to_json(const operator_result& r) {
    return {{"samples_us", boost::json::value_from(r.samples_us)},
            {"operations", r.operations},
            {"seconds", r.seconds},
            {"bytes", r.bytes},
            {"server_cpu_us", r.server_cpu_us}};
}

std::chrono::microseconds server_cpu(int pid) {
    if (pid == 0) {
        return {};
    }
    const auto sample = sample_process(pid);
    return sample ? sample->cpu : std::chrono::microseconds{};
}

}  // namespace regcenter::bench

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "regcenter-bench-operator: " << why
              << "\nusage: regcenter-bench-operator regcenter|nats fanout|unicast|stream --port P "
                 "[--host H] [--token T] [--server-pid PID] [--masters N] [--repeat R] "
                 "[--callers C] [--seconds S] [--streams S] [--bytes B]\n";
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        usage("SYSTEM and WORKLOAD are required");
    }
    const std::string system = argv[1];
    const std::string workload = argv[2];
    operator_options o;
    if (workload == "fanout") {
        o.workload = operator_workload::fanout;
    } else if (workload == "unicast") {
        o.workload = operator_workload::unicast;
    } else if (workload == "stream") {
        o.workload = operator_workload::stream;
    } else {
        usage("unknown workload " + workload);
    }
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) {
            usage(arg + " needs a value");
        }
        const std::string value = argv[++i];
        try {
            if (arg == "--host") {
                o.host = value;
            } else if (arg == "--port") {
                o.port = static_cast<std::uint16_t>(std::stoul(value));
            } else if (arg == "--token") {
                o.token = value;
            } else if (arg == "--server-pid") {
                o.server_pid = std::stoi(value);
            } else if (arg == "--masters") {
                o.masters = std::stoul(value);
            } else if (arg == "--repeat") {
                o.repeat = std::stoi(value);
            } else if (arg == "--callers") {
                o.callers = std::stoul(value);
            } else if (arg == "--seconds") {
                o.seconds = std::stod(value);
            } else if (arg == "--streams") {
                o.streams = std::stoul(value);
            } else if (arg == "--bytes") {
                o.bytes = std::stoull(value);
            } else {
                usage("unknown option " + arg);
            }
        } catch (const std::logic_error&) {
            usage("bad value for " + arg);
        }
    }
    if (o.port == 0 || o.callers == 0 || o.streams == 0 || o.repeat < 1) {
        usage("--port, --callers, --streams and --repeat must be positive");
    }
    try {
        operator_result r;
        if (system == "regcenter") {
            r = run_regcenter_operator(o);
        } else if (system == "nats") {
            r = run_nats_operator(o);
        } else {
            usage("unknown system " + system);
        }
        std::cout << boost::json::serialize(to_json(r)) << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "regcenter-bench-operator " << system << " " << workload << ": " << e.what()
                  << "\n";
        return 1;
    }
}
