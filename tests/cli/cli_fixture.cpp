// Starting the daemon and masters for the CLI tests, and running regcenterctl against them.
#include "cli_fixture.hpp"

#include <unistd.h>

#include <fstream>

namespace regcenter::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

void cli_test::SetUp() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("regcenterctl-test-" + std::to_string(::getpid()) + "-" +
                                        info->test_suite_name() + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
}

void cli_test::TearDown() {
    masters_.clear();
    daemon_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
}

void cli_test::start_daemon() {
    std::string yaml = "listen: 127.0.0.1:0\nadmin:\n  listen: 127.0.0.1:0\n";
    yaml.append("  token: ").append(cli_admin_token).append("\n");
    yaml.append("auth:\n  token: [").append(cli_master_token).append("]\n");
    const fs::path config = write_file("regcenterd.yaml", yaml);
    daemon_ = std::make_unique<child_process>(
        std::vector<std::string>{REGCENTERD_PATH, "--config", config.string()});
    auto listening = daemon_->wait_for_line(
        R"(center listening MASTERS_ADDR=127\.0\.0\.1:(\d+) ADMIN_ADDR=127\.0\.0\.1:(\d+))", 20s);
    if (!listening) {
        throw std::runtime_error("regcenterd did not start:\n" + daemon_->output());
    }
    const auto loopback = net::ip::make_address("127.0.0.1");
    masters_ep_ = {loopback, static_cast<unsigned short>(std::stoi((*listening)[1]))};
    admin_ep_ = {loopback, static_cast<unsigned short>(std::stoi((*listening)[2]))};
}

std::string cli_test::start_master(const std::string& name, const std::vector<std::string>& labels,
                                   const std::vector<std::string>& services) {
    std::vector<std::string> argv = {TEST_MASTER_PATH,
                                     "--url",
                                     "ws://127.0.0.1:" + std::to_string(masters_ep_.port()),
                                     "--token",
                                     cli_master_token,
                                     "--name",
                                     name};
    for (const auto& label : labels) {
        argv.push_back("--label");
        argv.push_back(label);
    }
    for (const auto& service : services) {
        argv.push_back("--service");
        argv.push_back(service);
    }
    masters_.push_back(std::make_unique<child_process>(argv));
    auto ready = masters_.back()->wait_for_line("^ready ([0-9a-f]+)$", 20s);
    if (!ready) {
        throw std::runtime_error("test master " + name + " did not authenticate:\n" +
                                 masters_.back()->output() + "\nregcenterd:\n" +
                                 (daemon_ ? daemon_->output() : ""));
    }
    return (*ready)[1];
}

program_result cli_test::ctl(std::vector<std::string> args, program_options options) {
    args.insert(args.end(), {"--addr", admin_address(), "--token", cli_admin_token});
    return ctl_raw(std::move(args), std::move(options));
}

program_result cli_test::ctl_raw(std::vector<std::string> args, program_options options) {
    static const std::string program = REGCENTERCTL_PATH;
    args.insert(args.begin(), program);
    options.work_dir = dir_;
    return run_program(args, options);
}

http_result cli_test::admin(http::verb method, const std::string& target, const std::string& body) {
    return http_call(admin_ep_, method, target, cli_admin_token, body);
}

std::string cli_test::admin_address() const {
    return "127.0.0.1:" + std::to_string(admin_ep_.port());
}

fs::path cli_test::write_file(const std::string& name, const std::string& bytes) const {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

}  // namespace regcenter::test
