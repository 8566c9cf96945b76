// The real regcenterd binary as a child process with a private config file, for the daemon
// tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/http_client.hpp"

namespace regcenter::test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A private folder per test, so tests can run in parallel.
inline fs::path temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path dir = fs::temp_directory_path() /
                   ("regcenterd-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

inline void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

inline std::string config_yaml(const std::string& token) {
    return "listen: 127.0.0.1:0\n"
           "admin:\n"
           "  listen: 127.0.0.1:0\n"
           "  token: admin-secret\n"
           "auth:\n"
           "  token: [" +
           token +
           "]\n"
           "  timeout: 2s\n"
           "heartbeat:\n"
           "  interval: 200ms\n"
           "  timeout: 1s\n"
           "log:\n"
           "  level: debug\n";
}

struct running_daemon {
    std::unique_ptr<child_process> process;
    tcp::endpoint masters;
    tcp::endpoint admin;
};

/// Starts regcenterd with `config` (and `extra` environment and sockets) and waits until it
/// listens. With passed sockets, LISTEN_PID must be the daemon's own pid: a shell sets it and
/// then execs the daemon, which keeps the pid.
inline running_daemon start_daemon(const fs::path& config,
                                   const child_process::options& extra = {}) {
    running_daemon d;
    std::vector<std::string> argv{REGCENTERD_PATH, "--config", config.string()};
    if (!extra.fds.empty()) {
        argv.insert(argv.begin(), {"/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" \"$@\""});
    }
    d.process = std::make_unique<child_process>(std::move(argv), extra);
    auto listening = d.process->wait_for_line(
        R"(center listening MASTERS_ADDR=127\.0\.0\.1:(\d+) ADMIN_ADDR=127\.0\.0\.1:(\d+))", 20s);
    if (!listening) {
        throw std::runtime_error("regcenterd did not start:\n" + d.process->output());
    }
    const auto loopback = net::ip::make_address("127.0.0.1");
    d.masters = {loopback, static_cast<unsigned short>(std::stoi((*listening)[1]))};
    d.admin = {loopback, static_cast<unsigned short>(std::stoi((*listening)[2]))};
    return d;
}

}  // namespace regcenter::test
