#include "workloads.hpp"

#include <atomic>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>

#include "lean_fleet.hpp"
#include "nats_fleet.hpp"
#include "operator_process.hpp"
#include "proc_stats.hpp"
#include "sdk_fleet.hpp"
#include "servers.hpp"

namespace regcenter::bench {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

// A figure's samples on both systems.
struct both {
    series regcenter;
    series nats;
    series& of(const server_under_test& s) { return s.system == "regcenter" ? regcenter : nats; }
};

// Runs `measure(server, fleet)` on a fresh regcenterd with lean masters, then on a fresh
// nats-server with NATS masters. A failure is reported and counted, and the run goes on.
template <class Measure>
void on_each_system(const bench_run& b, const std::string& tag, both& failures, Measure measure) {
    auto attempt = [&](auto start, auto make_fleet) {
        try {
            server_under_test server = start(b.o, b.server_cpu, tag);
            auto fleet = make_fleet(server);
            try {
                measure(server, *fleet);
            } catch (const std::exception& e) {
                std::cerr << "regcenter-bench: " << server.system << " " << tag << ": " << e.what()
                          << " (server log: " << server.log << ")\n";
                ++failures.of(server).failed;
            }
        } catch (const std::exception& e) {
            std::cerr << "regcenter-bench: " << tag << ": " << e.what() << "\n";
            ++failures.regcenter.failed;
        }
    };
    const auto regcenterd = [](const bench_options& o, std::optional<int> cpu,
                               const std::string& t) { return start_regcenterd(o, cpu, t); };
    const auto nats_server = [](const bench_options& o, std::optional<int> cpu,
                                const std::string& t) { return start_nats_server(o, cpu, t); };
    attempt(regcenterd, [](const server_under_test& s) {
        return std::make_unique<lean_fleet>(s.endpoint(), master_token);
    });
    if (b.with_nats) {
        attempt(nats_server, [](const server_under_test& s) {
            return std::make_unique<nats_fleet>(s.endpoint());
        });
    }
}

// Connects `n` masters; throws when any failed, since the figures would then be wrong.
template <class Fleet>
connect_result connect_all(Fleet& fleet, std::size_t n) {
    const auto r = fleet.connect(n, 512, seconds(120));
    if (r.ready != n) {
        throw std::runtime_error(std::to_string(n - r.ready) + " of " + std::to_string(n) +
                                 " masters failed to connect");
    }
    return r;
}

proc_sample sample(const server_under_test& s) {
    auto p = sample_process(s.pid());
    if (!p) {
        throw std::runtime_error(s.system + " server exited");
    }
    return *p;
}

double number(const json::object& r, const char* key) {
    return r.at(key).to_number<double>();
}

std::vector<double> to_millis(const json::value& samples_us) {
    std::vector<double> ms;
    for (const auto& v : samples_us.as_array()) {
        ms.push_back(v.to_number<double>() / 1000);
    }
    return ms;
}

// After a restart: waits until `back()` reaches n, sampling the server every 50 ms; adds the
// time from the restarted server's first accept to the last authentication, its peak CPU
// (over 0.5 s windows) and its peak RSS growth per session.
template <class Back, class Wait>
void measure_return(const server_under_test& server, std::size_t n, Back back, Wait wait,
                    both& time, both& cpu, both& rss) {
    using clock = std::chrono::steady_clock;
    const auto begin = clock::now();
    const auto deadline = begin + seconds(180);
    std::vector<proc_sample> samples{sample(server)};
    while (back() < n && clock::now() < deadline) {
        wait(std::chrono::milliseconds(50));
        samples.push_back(sample(server));
    }
    const double elapsed = std::chrono::duration<double>(clock::now() - begin).count();
    if (back() < n) {
        throw std::runtime_error(std::to_string(n - back()) + " of " + std::to_string(n) +
                                 " masters were not back after 180 s");
    }
    double peak_cpu = 0;
    std::uint64_t peak_rss = samples.front().rss_bytes;
    constexpr std::size_t window = 10;  // samples of 50 ms
    for (std::size_t i = 0; i < samples.size(); ++i) {
        peak_rss = std::max(peak_rss, samples[i].rss_bytes);
        if (i >= window) {
            const auto used = samples[i].cpu - samples[i - window].cpu;
            peak_cpu = std::max(peak_cpu, 100.0 * static_cast<double>(used.count()) / 500e3);
        }
    }
    time.of(server).values.push_back(elapsed);
    cpu.of(server).values.push_back(peak_cpu);
    rss.of(server).values.push_back(static_cast<double>(peak_rss - samples.front().rss_bytes) /
                                    static_cast<double>(n));
}

}  // namespace

void storm_workload(const bench_run& b) {
    for (std::size_t n : b.o.storm) {
        both time, cpu, rss;
        for (int run = 0; run < b.o.runs; ++run) {
            const std::string tag = "storm-" + std::to_string(n) + "-" + std::to_string(run);
            try {
                server_under_test server = start_regcenterd(b.o, b.server_cpu, tag);
                sdk_fleet fleet(server.port, master_token);
                if (!fleet.start(n, 512, seconds(120))) {
                    throw std::runtime_error("not every SDK master authenticated");
                }
                const std::size_t before = fleet.authentications();
                server.process->kill_now();
                server = start_regcenterd(b.o, b.server_cpu, tag + "-restarted", server.port,
                                          server.admin_port);
                measure_return(
                    server, n, [&] { return fleet.authentications() - before; },
                    [](auto d) { std::this_thread::sleep_for(d); }, time, cpu, rss);
            } catch (const std::exception& e) {
                std::cerr << "regcenter-bench: regcenter " << tag << ": " << e.what() << "\n";
                ++time.regcenter.failed;
            }
            if (!b.with_nats) {
                continue;
            }
            try {
                server_under_test server = start_nats_server(b.o, b.server_cpu, tag);
                nats_fleet fleet(server.endpoint());
                fleet.reconnect_after_loss(true);
                connect_all(fleet, n);
                fleet.mark();
                // The fleet runs through the kill and the restart, as the SDK masters do on
                // their own thread. That matters: the dying server's sockets close before its
                // listener does, so a master that comes straight back is accepted by the old
                // listener and then reset, and one that tries before the new server listens
                // is refused; either backs off once more, on both sides alike.
                std::atomic<bool> restarted = false;
                std::exception_ptr failed;
                std::thread restart([&] {
                    try {
                        server.process->kill_now();
                        server =
                            start_nats_server(b.o, b.server_cpu, tag + "-restarted", server.port);
                    } catch (...) {
                        failed = std::current_exception();
                    }
                    restarted = true;
                });
                try {
                    while (!restarted) {
                        fleet.hold(std::chrono::milliseconds(1));
                    }
                } catch (...) {
                    restart.join();  // a joinable thread must not be destroyed
                    throw;
                }
                restart.join();
                if (failed) {
                    std::rethrow_exception(failed);
                }
                measure_return(
                    server, n, [&] { return fleet.back_since_mark(); },
                    [&](auto d) { fleet.hold(d); }, time, cpu, rss);
            } catch (const std::exception& e) {
                std::cerr << "regcenter-bench: nats " << tag << ": " << e.what() << "\n";
                ++time.nats.failed;
            }
        }
        b.out.add("storm.time_to_all_back", n, "s", time.regcenter, time.nats);
        b.out.add("storm.peak_cpu", n, "% of a core", cpu.regcenter, cpu.nats);
        b.out.add("storm.peak_rss_per_session", n, "bytes", rss.regcenter, rss.nats);
    }
}

void hold_workload(const bench_run& b) {
    for (std::size_t n : b.o.sessions) {
        both rate, connect_cpu, rss, cpu;
        for (int run = 0; run < b.o.runs; ++run) {
            on_each_system(
                b, "hold-" + std::to_string(n) + "-" + std::to_string(run), rate,
                [&](const server_under_test& server, auto& fleet) {
                    const auto before = sample(server);
                    const auto connected = connect_all(fleet, n);
                    fleet.hold(std::chrono::milliseconds(200));  // buffers settle
                    const auto after_connect = sample(server);
                    const auto idle =
                        std::chrono::milliseconds(static_cast<long>(b.o.idle_seconds * 1000));
                    fleet.hold(idle);
                    const auto after_idle = sample(server);
                    rate.of(server).values.push_back(static_cast<double>(n) /
                                                     connected.elapsed.count());
                    // The server's own cost: when the load CPU saturates first (the kernel's
                    // side of n connects runs there too), the rate is the load's, not the
                    // server's; this figure is the server's whatever the load.
                    connect_cpu.of(server).values.push_back(
                        static_cast<double>((after_connect.cpu - before.cpu).count()) /
                        static_cast<double>(n));
                    rss.of(server).values.push_back((static_cast<double>(after_connect.rss_bytes) -
                                                     static_cast<double>(before.rss_bytes)) /
                                                    static_cast<double>(n));
                    cpu.of(server).values.push_back(
                        100.0 * static_cast<double>((after_idle.cpu - after_connect.cpu).count()) /
                        static_cast<double>(
                            std::chrono::duration_cast<std::chrono::microseconds>(idle).count()));
                });
        }
        b.out.add("hold.connect_rate", n, "sessions/s", rate.regcenter, rate.nats);
        b.out.add("hold.server_cpu_per_connect", n, "us", connect_cpu.regcenter, connect_cpu.nats);
        b.out.add("hold.rss_per_session", n, "bytes", rss.regcenter, rss.nats);
        b.out.add("hold.idle_cpu", n, "% of a core", cpu.regcenter, cpu.nats);
    }
}

void fanout_workload(const bench_run& b) {
    for (std::size_t n : b.o.fanout) {
        both latency, cpu, rss;
        for (int run = 0; run < b.o.runs; ++run) {
            on_each_system(
                b, "fanout-" + std::to_string(n) + "-" + std::to_string(run), latency,
                [&](const server_under_test& server, auto& fleet) {
                    const auto before = sample(server);
                    connect_all(fleet, n);
                    auto command = server.operator_command(b.o, "fanout");
                    command.insert(command.end(), {"--masters", std::to_string(n), "--repeat",
                                                   std::to_string(b.o.fanouts)});
                    const json::object r = run_operator(fleet.context(), command, seconds(600));
                    fleet.hold(std::chrono::milliseconds(200));
                    const auto after = sample(server);
                    auto& samples = latency.of(server).values;
                    const auto ms = to_millis(r.at("samples_us"));
                    samples.insert(samples.end(), ms.begin(), ms.end());
                    cpu.of(server).values.push_back(
                        number(r, "server_cpu_us") /
                        (static_cast<double>(b.o.fanouts) * static_cast<double>(n)));
                    rss.of(server).values.push_back((static_cast<double>(after.rss_bytes) -
                                                     static_cast<double>(before.rss_bytes)) /
                                                    static_cast<double>(n));
                });
        }
        b.out.add("fanout.latency", n, "ms", latency.regcenter, latency.nats);
        b.out.add("fanout.server_cpu_per_master", n, "us", cpu.regcenter, cpu.nats);
        b.out.add("fanout.rss_per_session_after", n, "bytes", rss.regcenter, rss.nats);
    }
}

void call_workloads(const bench_run& b) {
    const bool unicast = b.o.workloads.contains("unicast");
    const bool stream = b.o.workloads.contains("stream");
    both latency, call_cpu, rate, one, one_cpu, many;
    for (int run = 0; run < b.o.runs; ++run) {
        on_each_system(
            b, "calls-" + std::to_string(run), latency,
            [&](const server_under_test& server, auto& fleet) {
                connect_all(fleet, b.o.call_masters);
                const std::string masters = std::to_string(b.o.call_masters);
                const auto limit = seconds(static_cast<long>(b.o.call_seconds) + 120);
                if (unicast) {
                    auto command = server.operator_command(b.o, "unicast");
                    command.insert(command.end(), {"--masters", masters, "--callers", "1",
                                                   "--seconds", std::to_string(b.o.call_seconds)});
                    json::object r = run_operator(fleet.context(), command, limit);
                    const json::array& us = r.at("samples_us").as_array();
                    auto& samples = latency.of(server).values;
                    for (const auto& v : us) {
                        samples.push_back(v.to_number<double>());
                    }
                    call_cpu.of(server).values.push_back(number(r, "server_cpu_us") /
                                                         number(r, "operations"));

                    command = server.operator_command(b.o, "unicast");
                    command.insert(command.end(), {"--masters", masters, "--callers",
                                                   std::to_string(b.o.in_flight), "--seconds",
                                                   std::to_string(b.o.call_seconds)});
                    r = run_operator(fleet.context(), command, limit);
                    rate.of(server).values.push_back(number(r, "operations") /
                                                     number(r, "seconds"));
                }
                if (stream) {
                    auto command = server.operator_command(b.o, "stream");
                    command.insert(command.end(), {"--masters", masters, "--streams", "1",
                                                   "--bytes", std::to_string(b.o.stream_bytes)});
                    json::object r = run_operator(fleet.context(), command, seconds(600));
                    const double bytes = number(r, "bytes");
                    one.of(server).values.push_back(bytes / number(r, "seconds") / 1e9);
                    one_cpu.of(server).values.push_back(number(r, "server_cpu_us") /
                                                        (bytes / (1 << 20)));

                    command = server.operator_command(b.o, "stream");
                    command.insert(
                        command.end(),
                        {"--masters", masters, "--streams", std::to_string(b.o.concurrent_streams),
                         "--bytes", std::to_string(b.o.concurrent_stream_bytes)});
                    r = run_operator(fleet.context(), command, seconds(600));
                    many.of(server).values.push_back(number(r, "bytes") / number(r, "seconds") /
                                                     1e9);
                }
            });
    }
    if (unicast) {
        b.out.add("unicast.latency", 1, "us", latency.regcenter, latency.nats);
        b.out.add("unicast.server_cpu_per_call", 1, "us", call_cpu.regcenter, call_cpu.nats);
        b.out.add("unicast.rate", b.o.in_flight, "calls/s", rate.regcenter, rate.nats);
    }
    if (stream) {
        b.out.add("stream.throughput", 1, "GB/s", one.regcenter, one.nats);
        b.out.add("stream.server_cpu_per_mib", 1, "us", one_cpu.regcenter, one_cpu.nats);
        b.out.add("stream.throughput", b.o.concurrent_streams, "GB/s", many.regcenter, many.nats);
    }
}

}  // namespace regcenter::bench
