// The two servers under test, started the same way: pinned to the server CPU, on free ports of
// 127.0.0.1, logging into the work directory; and the operator command line for each.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "regcenter/common/net.hpp"
#include "server_process.hpp"

namespace regcenter::bench {

/// The master token every bench master presents to regcenterd, and the admin token.
inline constexpr const char* master_token = "bench";
inline constexpr const char* admin_token = "bench-admin";

struct server_under_test {
    std::string system;  ///< "regcenter" or "nats"
    std::unique_ptr<server_process> process;
    std::uint16_t port = 0;        ///< masters (regcenter) or clients (NATS)
    std::uint16_t admin_port = 0;  ///< regcenter's admin API
    std::string log;

    int pid() const { return process->pid(); }
    tcp::endpoint endpoint() const { return {net::ip::make_address("127.0.0.1"), port}; }

    /// regcenter-bench-operator SYSTEM WORKLOAD with the address, token and pid filled in.
    std::vector<std::string> operator_command(const bench_options& o,
                                              const std::string& workload) const;
};

/// `tag` names the log file; ports 0 are chosen free (a restart passes the old ones). Throw
/// std::runtime_error when the server does not come up.
server_under_test start_regcenterd(const bench_options& o, std::optional<int> cpu,
                                   const std::string& tag, std::uint16_t port = 0,
                                   std::uint16_t admin_port = 0);
server_under_test start_nats_server(const bench_options& o, std::optional<int> cpu,
                                    const std::string& tag, std::uint16_t port = 0);

}  // namespace regcenter::bench
