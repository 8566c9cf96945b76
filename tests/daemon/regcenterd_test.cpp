// The real regcenterd binary with a config file: startup, masters over the network, SIGHUP
// reload, SIGTERM shutdown, and the command-line actions.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "daemon/daemon_process.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/ws_client.hpp"

#include "regcenter/proto/protocol.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;

TEST(regcenterd, serves_masters_reloads_on_sighup_and_stops_on_sigterm) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    write_file(config, config_yaml("first-token"));
    running_daemon d = start_daemon(config);

    ws_client first(d.masters);
    const std::string id = first.authenticate("first-token", "daemon-test-master");
    auto masters = http_call(d.admin, http::verb::get, "/v1/masters", "admin-secret");
    ASSERT_EQ(masters.status, 200u);
    EXPECT_NE(masters.body.find(id), std::string::npos) << masters.body;
    EXPECT_NE(masters.body.find("daemon-test-master"), std::string::npos);

    // Rotate the token in the file and reload: the live session stays, new masters need the
    // new token.
    write_file(config, config_yaml("second-token"));
    const std::size_t mark = d.process->line_count();
    d.process->signal(SIGHUP);
    ASSERT_TRUE(d.process->wait_for_line("configuration reloaded", 10s, mark))
        << d.process->output();

    ws_client with_old(d.masters);
    with_old.send(proto::auth{"first-token", std::nullopt, {}});
    EXPECT_TRUE(std::holds_alternative<proto::auth_failed>(with_old.read_message()));
    ws_client with_new(d.masters);
    EXPECT_EQ(with_new.authenticate("second-token").size(), 32u);

    first.send(proto::ping{});
    EXPECT_EQ(first.read_message(), proto::message(proto::pong{}));

    // Watchers hear of the rotation: one tokens-changed event, without any secret.
    ws_client watcher(d.admin, "/v1/events?since=0&type=tokens-changed", 5s, "admin-secret");
    const ws_read watching = watcher.read();
    EXPECT_NE(watching.data.find(R"("cmd":"watching")"), std::string::npos) << watching.data;
    const ws_read changed = watcher.read();
    EXPECT_NE(changed.data.find(R"("type":"tokens-changed")"), std::string::npos) << changed.data;
    EXPECT_NE(changed.data.find(R"("change":"replaced")"), std::string::npos) << changed.data;
    EXPECT_EQ(changed.data.find("token\""), std::string::npos) << changed.data;

    // Secrets never reach the log.
    EXPECT_EQ(d.process->output().find("first-token"), std::string::npos);
    EXPECT_EQ(d.process->output().find("second-token"), std::string::npos);

    d.process->signal(SIGTERM);
    EXPECT_EQ(first.wait_closed(), proto::close_code::going_away);
    EXPECT_EQ(d.process->wait_exit(15s), 0) << d.process->output();
}

TEST(regcenterd, a_bad_reload_keeps_the_running_configuration) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    write_file(config, config_yaml("kept-token"));
    running_daemon d = start_daemon(config);

    write_file(config, "heartbeat: {interval: soon}\n");
    const std::size_t mark = d.process->line_count();
    d.process->signal(SIGHUP);
    ASSERT_TRUE(d.process->wait_for_line("reload failed.*heartbeat.interval", 10s, mark))
        << d.process->output();
    ws_client client(d.masters);
    EXPECT_EQ(client.authenticate("kept-token").size(), 32u);

    d.process->signal(SIGINT);
    EXPECT_EQ(d.process->wait_exit(15s), 0);
}

TEST(regcenterd, evicts_a_silent_master) {
    const fs::path dir = temp_dir();
    write_file(dir / "regcenterd.yaml", config_yaml("t"));
    running_daemon d = start_daemon(dir / "regcenterd.yaml");
    ws_client frozen(d.masters);
    const std::string id = frozen.authenticate("t");
    // The client reads nothing from now on; the 1 s heartbeat timeout evicts it.
    EXPECT_TRUE(d.process->wait_for_line(
        "master disconnected SESSION_ID=" + id + ".*REASON=\"heartbeat timeout\"", 15s));
}

TEST(regcenterd, check_config_accepts_the_shipped_examples) {
    for (const char* file : {"config/regcenterd.yaml", "config/regcenterd.ini"}) {
        child_process check({REGCENTERD_PATH, "--check-config", "--config",
                             std::string(REGCENTER_SOURCE_DIR) + "/" + file});
        EXPECT_EQ(check.wait_exit(10s), 0) << file << ":\n" << check.output();
        EXPECT_NE(check.output().find("configuration OK"), std::string::npos);
    }
}

TEST(regcenterd, invalid_config_exits_2_naming_the_key_and_line) {
    const fs::path dir = temp_dir();
    write_file(dir / "bad.yaml", "listen: 127.0.0.1:0\nauth:\n  timeout: forever\n");
    child_process check(
        {REGCENTERD_PATH, "--check-config", "--config", (dir / "bad.yaml").string()});
    EXPECT_EQ(check.wait_exit(10s), 2);
    EXPECT_NE(check.output().find("auth.timeout"), std::string::npos) << check.output();
    EXPECT_NE(check.output().find(":3"), std::string::npos) << check.output();

    // The daemon itself refuses to start with it, before binding anything.
    child_process run({REGCENTERD_PATH, "--config", (dir / "bad.yaml").string()});
    EXPECT_EQ(run.wait_exit(10s), 2);
}

TEST(regcenterd, unknown_flag_exits_2) {
    child_process run({REGCENTERD_PATH, "--heartbeat.intervall=5s"});
    EXPECT_EQ(run.wait_exit(10s), 2);
    EXPECT_NE(run.output().find("heartbeat.intervall"), std::string::npos) << run.output();
}

TEST(regcenterd, port_in_use_exits_1_naming_the_address) {
    net::io_context ioc;
    tcp::acceptor taken(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const std::string address = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
    child_process run({REGCENTERD_PATH, "--listen", address, "--admin.listen", "127.0.0.1:0"});
    EXPECT_EQ(run.wait_exit(10s), 1);
    EXPECT_NE(run.output().find(address), std::string::npos) << run.output();
}

TEST(regcenterd, version_and_help) {
    child_process version({REGCENTERD_PATH, "--version"});
    EXPECT_EQ(version.wait_exit(10s), 0);
    EXPECT_NE(version.output().find("regcenterd "), std::string::npos);
    child_process help({REGCENTERD_PATH, "--help"});
    EXPECT_EQ(help.wait_exit(10s), 0);
    for (const char* key : {"listen", "admin.listen", "admin.token", "auth.token", "auth.timeout",
                            "auth.max_failures", "heartbeat.interval", "heartbeat.timeout",
                            "limits.max_message", "log.level"}) {
        EXPECT_NE(help.output().find(key), std::string::npos) << key;
    }
}

}  // namespace
}  // namespace regcenter::test
