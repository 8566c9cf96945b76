// A real regcenterd, real test masters and regcenterctl as child processes: what the
// end-to-end CLI tests start from. Every test has its own daemon on ephemeral ports and its
// own temp folder, so tests run in parallel.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "program_run.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"

namespace regcenter::test {

inline constexpr const char* cli_admin_token = "cli-admin-token";
inline constexpr const char* cli_master_token = "cli-master-token";

class cli_test : public ::testing::Test {
  protected:
    void SetUp() override;
    void TearDown() override;

    /// Starts regcenterd with a config file in the test's folder; throws with its output if
    /// it does not come up.
    void start_daemon();

    /// Starts a test master against the daemon and returns its session id once it is
    /// authenticated. Labels are "KEY=VALUE"; `services` are registered with its auth.
    std::string start_master(const std::string& name, const std::vector<std::string>& labels = {},
                             const std::vector<std::string>& services = {});

    /// regcenterctl `args` plus --addr and --token of the running daemon.
    program_result ctl(std::vector<std::string> args, program_options options = {});

    /// regcenterctl with exactly `args` (and `options.env`).
    program_result ctl_raw(std::vector<std::string> args, program_options options = {});

    /// A request to the daemon's admin API, to check what regcenterctl did.
    http_result admin(http::verb method, const std::string& target, const std::string& body = "");

    /// "127.0.0.1:PORT" of the admin API.
    std::string admin_address() const;

    /// Writes `bytes` to a file in the test's folder and returns its path.
    std::filesystem::path write_file(const std::string& name, const std::string& bytes) const;

    std::filesystem::path dir_;
    std::unique_ptr<child_process> daemon_;
    tcp::endpoint masters_ep_;
    tcp::endpoint admin_ep_;
    std::vector<std::unique_ptr<child_process>> masters_;
};

}  // namespace regcenter::test
