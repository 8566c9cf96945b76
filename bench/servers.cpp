#include "servers.hpp"

#include <fstream>
#include <stdexcept>

namespace regcenter::bench {
std::vector<std::string> server_under_test::operator_command(const bench_options& o,
                                                             const std::string& workload) const {
    std::vector<std::string> argv{o.operator_program, system, workload, "--server-pid",
                                  std::to_string(pid())};
    if (system == "regcenter") {
        argv.insert(argv.end(), {"--port", std::to_string(admin_port), "--token", admin_token});
    } else {
        argv.insert(argv.end(), {"--port", std::to_string(port)});
    }
    return argv;
}

server_under_test start_regcenterd(const bench_options& o, std::optional<int> cpu,
                                   const std::string& tag, std::uint16_t port,
                                   std::uint16_t admin_port) {
    server_under_test s;
    s.system = "regcenter";
    s.port = port != 0 ? port : free_port();
    s.admin_port = admin_port != 0 ? admin_port : free_port();
    const auto config = o.work / ("regcenterd-" + tag + ".yaml");
    // Defaults everywhere (20 s heartbeat, job limits, history) except the log level: a
    // production center logs each action at info, which is not what we measure here.
    std::ofstream(config) << "listen: 127.0.0.1:" << s.port
                          << "\nadmin:\n  listen: 127.0.0.1:" << s.admin_port
                          << "\n  token: " << admin_token << "\nauth:\n  token: [" << master_token
                          << "]\nlog:\n  level: notice\n";
    s.log = (o.work / ("regcenterd-" + tag + ".log")).string();
    s.process = std::make_unique<server_process>(
        std::vector<std::string>{o.daemon, "--config", config.string()}, cpu, s.log);
    if (!s.process->wait_listening(s.port) || !s.process->wait_listening(s.admin_port)) {
        throw std::runtime_error("regcenterd did not start; see " + s.log);
    }
    return s;
}

server_under_test start_nats_server(const bench_options& o, std::optional<int> cpu,
                                    const std::string& tag, std::uint16_t port) {
    server_under_test s;
    s.system = "nats";
    s.port = port != 0 ? port : free_port();
    s.log = (o.work / ("nats-server-" + tag + ".log")).string();
    s.process = std::make_unique<server_process>(
        std::vector<std::string>{o.nats, "-a", "127.0.0.1", "-p", std::to_string(s.port)}, cpu,
        s.log);
    if (!s.process->wait_listening(s.port)) {
        throw std::runtime_error("nats-server did not start; see " + s.log);
    }
    return s;
}

}  // namespace regcenter::bench
