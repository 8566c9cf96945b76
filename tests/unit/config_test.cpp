// The daemon's configuration: defaults, YAML/INI files, flags, precedence and error messages.
#include "config.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/program_options.hpp>

#include "regcenter/common/units.hpp"

namespace regcenter {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path source_config_dir = fs::path(__FILE__).parent_path() / "../../config";

// Every field that a config file can set, so two configs loaded from different files compare.
void expect_same_settings(const daemon_config& a, const daemon_config& b) {
    EXPECT_EQ(a.center.listen, b.center.listen);
    EXPECT_EQ(a.center.admin_listen, b.center.admin_listen);
    EXPECT_EQ(a.center.admin_token, b.center.admin_token);
    EXPECT_EQ(a.center.admin_metrics_public, b.center.admin_metrics_public);
    EXPECT_EQ(a.center.auth_tokens, b.center.auth_tokens);
    EXPECT_EQ(a.center.auth_timeout, b.center.auth_timeout);
    EXPECT_EQ(a.center.auth_max_failures, b.center.auth_max_failures);
    EXPECT_EQ(a.center.heartbeat_interval, b.center.heartbeat_interval);
    EXPECT_EQ(a.center.heartbeat_timeout, b.center.heartbeat_timeout);
    EXPECT_EQ(a.center.max_message, b.center.max_message);
    EXPECT_EQ(a.center.max_write_queue, b.center.max_write_queue);
    EXPECT_EQ(a.center.max_admin_body, b.center.max_admin_body);
    EXPECT_EQ(a.center.threads, b.center.threads);
    EXPECT_EQ(a.center.stream_stall_timeout, b.center.stream_stall_timeout);
    EXPECT_EQ(a.center.job_history, b.center.job_history);
    EXPECT_EQ(a.center.event_history, b.center.event_history);
    EXPECT_EQ(a.center.event_watcher_queue, b.center.event_watcher_queue);
    EXPECT_EQ(a.log_level, b.log_level);
    EXPECT_EQ(a.log_sink, b.log_sink);
    EXPECT_EQ(a.journal_socket, b.journal_socket);
    EXPECT_EQ(a.center.audit_file, b.center.audit_file);
}

class config : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(::testing::TempDir()) /
               ("regcenter-config-" + std::to_string(::getpid()) + "-" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }

    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    // Writes `content` to a file named `name` in this test's directory; returns its path.
    std::string write(const std::string& name, const std::string& content) {
        const fs::path path = dir_ / name;
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
        return path.string();
    }

    static daemon_config load(const std::vector<std::string>& args) {
        const auto loaded = load_config(args);
        EXPECT_EQ(loaded.action, config_action::run);
        return loaded.config;
    }

    // The message of the config_error that loading `args` throws ("" if it doesn't throw).
    static std::string error_of(const std::vector<std::string>& args) {
        try {
            load_config(args);
        } catch (const config_error& e) {
            return e.what();
        }
        ADD_FAILURE() << "no config_error";
        return "";
    }

    // Loads a YAML file with `content` and returns the error message.
    std::string yaml_error(const std::string& content) {
        return error_of({"--config", write("c.yaml", content)});
    }

    std::string ini_error(const std::string& content) {
        return error_of({"--config", write("c.ini", content)});
    }

    fs::path dir_;
};

#define EXPECT_CONTAINS(text, part)                            \
    EXPECT_NE(std::string(text).find(part), std::string::npos) \
        << "\"" << (text) << "\" does not contain \"" << (part) << "\""

// ---- defaults and sources -------------------------------------------------------------------

TEST_F(config, defaults_without_arguments) {
    const auto loaded = load_config({});
    EXPECT_EQ(loaded.action, config_action::run);
    const auto& c = loaded.config;
    EXPECT_EQ(c.center.listen, "127.0.0.1:8010");
    EXPECT_EQ(c.center.admin_listen, "127.0.0.1:8011");
    EXPECT_EQ(c.center.admin_token, "");
    EXPECT_TRUE(c.center.auth_tokens.empty());
    EXPECT_EQ(c.center.auth_timeout, 10s);
    EXPECT_EQ(c.center.auth_max_failures, 3u);
    EXPECT_EQ(c.center.heartbeat_interval, 20s);
    EXPECT_EQ(c.center.heartbeat_timeout, 40s);
    EXPECT_EQ(c.center.max_message, 1024u * 1024u);
    EXPECT_EQ(c.center.stream_stall_timeout, 60s);
    EXPECT_EQ(c.center.job_history, 1000u);
    EXPECT_EQ(c.center.event_history, 10000u);
    EXPECT_EQ(c.center.event_watcher_queue, 1024u);
    EXPECT_EQ(c.log_level, "info");
    EXPECT_EQ(c.log_sink, "auto");
    EXPECT_EQ(c.journal_socket, "/run/systemd/journal/socket");
    EXPECT_EQ(c.center.audit_file, "");
    EXPECT_EQ(c.center.audit_log_jobs_per_second, 100u);
    EXPECT_EQ(c.config_file, "");
}

const char* const full_yaml = R"(# every key, none at its default
listen: 0.0.0.0:9000
admin:
  listen: "[::1]:9001"
  token: admin-secret
auth:
  token:
    - first-token
    - second-token
  timeout: 1500ms
  max_failures: 5
heartbeat:
  interval: 1m
  timeout: 150
limits:
  max_message: 64KiB
streams:
  stall_timeout: 90s
jobs:
  history: 50
events:
  history: 500
  watcher_queue: 64
log:
  level: debug
)";

const char* const full_ini = R"(# every key, none at its default
listen = 0.0.0.0:9000
[admin]
listen = [::1]:9001
token = admin-secret
[auth]
token = first-token
token = second-token
timeout = 1500ms
max_failures = 5
[heartbeat]
interval = 1m
timeout = 150
[limits]
max_message = 64KiB
[streams]
stall_timeout = 90s
[jobs]
history = 50
[events]
history = 500
watcher_queue = 64
[log]
level = debug
)";

void expect_full(const daemon_config& c) {
    EXPECT_EQ(c.center.listen, "0.0.0.0:9000");
    EXPECT_EQ(c.center.admin_listen, "[::1]:9001");
    EXPECT_EQ(c.center.admin_token, "admin-secret");
    EXPECT_EQ(c.center.auth_tokens, (std::vector<std::string>{"first-token", "second-token"}));
    EXPECT_EQ(c.center.auth_timeout, 1500ms);
    EXPECT_EQ(c.center.auth_max_failures, 5u);
    EXPECT_EQ(c.center.heartbeat_interval, 60s);
    EXPECT_EQ(c.center.heartbeat_timeout, 150s);
    EXPECT_EQ(c.center.max_message, 64u * 1024u);
    EXPECT_EQ(c.center.stream_stall_timeout, 90s);
    EXPECT_EQ(c.center.job_history, 50u);
    EXPECT_EQ(c.center.event_history, 500u);
    EXPECT_EQ(c.center.event_watcher_queue, 64u);
    EXPECT_EQ(c.log_level, "debug");
}

TEST_F(config, yaml_and_ini_give_the_same_config) {
    const std::string yaml_path = write("full.yaml", full_yaml);
    const std::string ini_path = write("full.ini", full_ini);
    const auto yaml = load({"--config", yaml_path});
    const auto ini = load({"--config=" + ini_path});
    expect_full(yaml);
    expect_full(ini);
    expect_same_settings(yaml, ini);
    EXPECT_EQ(yaml.config_file, yaml_path);
    EXPECT_EQ(ini.config_file, ini_path);
}

TEST_F(config, flags_alone_set_every_key) {
    const auto c =
        load({"--listen=0.0.0.0:9000", "--admin.listen", "[::1]:9001", "--admin.token=admin-secret",
              "--auth.token=first-token", "--auth.token", "second-token", "--auth.timeout=1500ms",
              "--auth.max_failures=5", "--heartbeat.interval=1m", "--heartbeat.timeout=150",
              "--limits.max_message=64KiB", "--streams.stall_timeout=90s", "--jobs.history=50",
              "--events.history=500", "--events.watcher_queue=64", "--log.level=debug"});
    expect_full(c);
}

TEST_F(config, other_extensions_and_dotted_keys_work) {
    // .yml and .conf, upper-case extensions, dotted keys at the top level of YAML and INI.
    const auto yml = load({"--config", write("a.YML",
                                             "heartbeat.interval: 5s\nauth:\n"
                                             "  token: only-one\n")});
    const auto conf = load({"--config", write("a.conf",
                                              "heartbeat.interval = 5s\n"
                                              "auth.token = only-one\n")});
    EXPECT_EQ(yml.center.heartbeat_interval, 5s);
    EXPECT_EQ(yml.center.auth_tokens, std::vector<std::string>{"only-one"});
    expect_same_settings(yml, conf);
}

TEST_F(config, example_files_load_and_agree) {
    const std::string yaml_path = (source_config_dir / "regcenterd.yaml").string();
    const std::string ini_path = (source_config_dir / "regcenterd.ini").string();
    ASSERT_TRUE(fs::exists(yaml_path)) << yaml_path;
    ASSERT_TRUE(fs::exists(ini_path)) << ini_path;
    const auto yaml = load({"--config", yaml_path});
    const auto ini = load({"--config", ini_path});
    expect_same_settings(yaml, ini);
    EXPECT_EQ(yaml.center.listen, "127.0.0.1:8010");
    EXPECT_EQ(yaml.center.admin_listen, "127.0.0.1:8011");
    EXPECT_EQ(yaml.center.admin_token, "change-me-admin-token");
    EXPECT_EQ(yaml.center.auth_tokens, std::vector<std::string>{"register-center-token-2024"});
    EXPECT_EQ(yaml.center.heartbeat_timeout, 40s);
    EXPECT_EQ(load_config({"--check-config", "--config", yaml_path}).action,
              config_action::check_config);
}

TEST_F(config, empty_and_comment_only_files_mean_defaults) {
    const auto yaml = load({"--config", write("empty.yaml", "# nothing here\n")});
    const auto ini = load({"--config", write("empty.ini", "")});
    const auto defaults = load({});
    expect_same_settings(yaml, defaults);
    expect_same_settings(ini, defaults);
}

// ---- precedence -----------------------------------------------------------------------------

// The assumption the loader's precedence rests on: for each option, the first store() that
// gives it wins, and within one parsed_options a vector option accumulates.
TEST_F(config, program_options_store_keeps_the_first_source_per_option) {
    namespace po = boost::program_options;
    po::options_description desc;
    desc.add_options()("a", po::value<std::string>())("list",
                                                      po::value<std::vector<std::string>>());
    po::variables_map vm;
    po::store(po::command_line_parser(std::vector<std::string>{"--list=x", "--list=y"})
                  .options(desc)
                  .run(),
              vm);
    std::istringstream file("a = from-file\nlist = f1\nlist = f2\n");
    po::store(po::parse_config_file(file, desc), vm);
    EXPECT_EQ(vm["a"].as<std::string>(), "from-file");
    EXPECT_EQ(vm["list"].as<std::vector<std::string>>(), (std::vector<std::string>{"x", "y"}));
}

TEST_F(config, flag_replaces_file_value) {
    const std::string path =
        write("c.yaml", "listen: 127.0.0.1:7000\nheartbeat:\n  interval: 5s\n  timeout: 30s\n");
    const auto c = load({"--config", path, "--listen=127.0.0.1:7100", "--heartbeat.timeout=9s"});
    EXPECT_EQ(c.center.listen, "127.0.0.1:7100");        // flag
    EXPECT_EQ(c.center.heartbeat_interval, 5s);          // file
    EXPECT_EQ(c.center.heartbeat_timeout, 9s);           // flag
    EXPECT_EQ(c.center.admin_listen, "127.0.0.1:8011");  // default
    // The order of flag and --config on the command line doesn't matter.
    const auto before = load({"--listen=127.0.0.1:7100", "--config", path});
    EXPECT_EQ(before.center.listen, "127.0.0.1:7100");
}

TEST_F(config, flag_list_replaces_the_whole_file_list) {
    const std::string yaml = write("c.yaml", "auth:\n  token: [file-a, file-b]\n");
    const std::string ini = write("c.ini", "[auth]\ntoken = file-a\ntoken = file-b\n");
    for (const auto& path : {yaml, ini}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(load({"--config", path}).center.auth_tokens,
                  (std::vector<std::string>{"file-a", "file-b"}));
        EXPECT_EQ(load({"--config", path, "--auth.token", "flag-x"}).center.auth_tokens,
                  std::vector<std::string>{"flag-x"});
        EXPECT_EQ(load({"--auth.token=flag-x", "--config", path, "--auth.token=flag-y"})
                      .center.auth_tokens,
                  (std::vector<std::string>{"flag-x", "flag-y"}));
    }
}

TEST_F(config, repeated_list_flags_accumulate) {
    const auto c = load({"--auth.token=a", "--auth.token", "b", "--auth.token=c"});
    EXPECT_EQ(c.center.auth_tokens, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(config, yaml_list_forms) {
    EXPECT_EQ(load({"--config", write("a.yaml", "auth: {token: single}\n")}).center.auth_tokens,
              std::vector<std::string>{"single"});
    EXPECT_TRUE(
        load({"--config", write("b.yaml", "auth: {token: []}\n")}).center.auth_tokens.empty());
    // A list key given in two places of one file accumulates.
    EXPECT_EQ(load({"--config", write("c.yaml", "auth: {token: [a]}\nauth.token: b\n")})
                  .center.auth_tokens,
              (std::vector<std::string>{"a", "b"}));
}

TEST_F(config, repeated_scalar_is_an_error) {
    EXPECT_EQ(error_of({"--listen=127.0.0.1:1", "--listen=127.0.0.1:2"}),
              "config error: --listen: given more than once");
    EXPECT_EQ(ini_error("[log]\nlevel = info\nlevel = debug\n"),
              "config error: " + (dir_ / "c.ini").string() + ": log.level: given more than once");
    EXPECT_EQ(yaml_error("heartbeat:\n  interval: 1s\nheartbeat.interval: 2s\n"),
              "config error: " + (dir_ / "c.yaml").string() +
                  ":3: heartbeat.interval: given more than once (first at " +
                  (dir_ / "c.yaml").string() + ":2)");
}

TEST_F(config, invalid_file_value_is_reported_even_when_a_flag_overrides_it) {
    const std::string path = write("c.yaml", "heartbeat:\n  interval: soon\n");
    EXPECT_CONTAINS(error_of({"--config", path, "--heartbeat.interval=5s"}),
                    ":2: heartbeat.interval: invalid duration \"soon\"");
}

TEST_F(config, reload_reads_the_file_again) {
    const std::string path = write("c.ini", "[log]\nlevel = info\n");
    const std::vector<std::string> args{"--config", path, "--listen=127.0.0.1:7000"};
    const auto first = load(args);
    expect_same_settings(first, load(args));
    write("c.ini", "[log]\nlevel = debug\n");
    const auto second = load(args);
    EXPECT_EQ(first.log_level, "info");
    EXPECT_EQ(second.log_level, "debug");
    EXPECT_EQ(second.center.listen, "127.0.0.1:7000");
}

// ---- heartbeat.timeout ----------------------------------------------------------------------

TEST_F(config, heartbeat_timeout_defaults_to_twice_the_interval) {
    EXPECT_EQ(load({"--heartbeat.interval=30s"}).center.heartbeat_timeout, 60s);
    EXPECT_EQ(load({"--config", write("c.yaml", "heartbeat: {interval: 250ms}\n")})
                  .center.heartbeat_timeout,
              500ms);
}

TEST_F(config, heartbeat_timeout_must_exceed_the_interval) {
    EXPECT_EQ(error_of({"--heartbeat.interval=20s", "--heartbeat.timeout=20s"}),
              "config error: --heartbeat.timeout: 20s must be greater than heartbeat.interval "
              "(20s)");
    EXPECT_EQ(error_of({"--heartbeat.timeout=10s"}),
              "config error: --heartbeat.timeout: 10s must be greater than heartbeat.interval "
              "(20s)");
    // The timeout from the file, the interval from a flag: the file's line is named.
    const std::string path = write("c.yaml", "log: {level: info}\nheartbeat:\n  timeout: 1m\n");
    EXPECT_EQ(error_of({"--config", path, "--heartbeat.interval=2m"}),
              "config error: " + path +
                  ":3: heartbeat.timeout: 1m must be greater than heartbeat.interval (2m)");
    EXPECT_EQ(load({"--config", path, "--heartbeat.interval=59s"}).center.heartbeat_timeout, 60s);
}

// ---- invalid values -------------------------------------------------------------------------

TEST_F(config, bad_duration_names_file_line_and_key) {
    const std::string path = write("x.yaml",
                                   "listen: 127.0.0.1:8010\nlog:\n  level: info\n"
                                   "heartbeat: {interval: abc}\n");
    EXPECT_EQ(error_of({"--config", path}),
              "config error: " + path +
                  ":4: heartbeat.interval: invalid duration \"abc\" (expected e.g. 500ms, 20s, 2m "
                  "or a number of seconds)");
    EXPECT_EQ(ini_error("[auth]\ntimeout = 1e3\n"),
              "config error: " + (dir_ / "c.ini").string() +
                  ": auth.timeout: invalid duration \"1e3\" (expected e.g. 500ms, 20s, 2m or a "
                  "number of seconds)");
    EXPECT_CONTAINS(error_of({"--auth.timeout=-1"}),
                    "config error: --auth.timeout: invalid duration \"-1\"");
}

TEST_F(config, zero_duration_is_rejected) {
    EXPECT_EQ(error_of({"--heartbeat.interval=0"}),
              "config error: --heartbeat.interval: duration must be greater than zero, got \"0\"");
    EXPECT_CONTAINS(yaml_error("auth:\n  timeout: 0ms\n"),
                    ":2: auth.timeout: duration must be greater than zero");
}

TEST_F(config, bad_size_names_key) {
    EXPECT_EQ(error_of({"--limits.max_message=lots"}),
              "config error: --limits.max_message: invalid size \"lots\" (expected e.g. 65536, "
              "64KiB or 1MiB)");
    EXPECT_EQ(error_of({"--limits.max_message=1000"}),
              "config error: --limits.max_message: size \"1000\" out of range (1KiB to 1GiB)");
    EXPECT_CONTAINS(yaml_error("limits:\n  max_message: 2GiB\n"),
                    ":2: limits.max_message: size \"2GiB\" out of range (1KiB to 1GiB)");
    EXPECT_EQ(load({"--limits.max_message=1KiB"}).center.max_message, 1024u);
    EXPECT_EQ(load({"--limits.max_message=1GiB"}).center.max_message, 1024u * 1024u * 1024u);
    EXPECT_EQ(load({"--limits.max_message=2000"}).center.max_message, 2000u);
}

TEST_F(config, bad_number_names_key) {
    for (const char* bad : {"x", "-1", "1.5", "3 ", "+3", ""}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_of({std::string("--auth.max_failures=") + bad}),
                  std::string("config error: --auth.max_failures: invalid number \"") + bad +
                      "\" (expected a whole number from 1 to 1000000)");
    }
    for (const char* bad : {"0", "1000001", "99999999999999999999"}) {
        SCOPED_TRACE(bad);
        EXPECT_CONTAINS(error_of({std::string("--auth.max_failures=") + bad}),
                        std::string("auth.max_failures: number \"") + bad + "\" out of range");
    }
    EXPECT_CONTAINS(yaml_error("auth:\n  max_failures: 0\n"), ":2: auth.max_failures: number");
    EXPECT_EQ(load({"--auth.max_failures=1"}).center.auth_max_failures, 1u);
    EXPECT_EQ(error_of({"--jobs.history=0"}),
              "config error: --jobs.history: number \"0\" out of range (expected a whole number "
              "from 1 to 100000)");
    EXPECT_CONTAINS(error_of({"--streams.stall_timeout=0s"}), "--streams.stall_timeout: duration");
    EXPECT_EQ(error_of({"--events.history=0"}),
              "config error: --events.history: number \"0\" out of range (expected a whole "
              "number from 1 to 1000000)");
    EXPECT_CONTAINS(error_of({"--events.watcher_queue=many"}),
                    "--events.watcher_queue: invalid number \"many\"");
    EXPECT_CONTAINS(yaml_error("events:\n  watcher_queue: 0\n"),
                    ":2: events.watcher_queue: number \"0\" out of range");
    EXPECT_EQ(error_of({"--audit.log_jobs_per_second=lots"}),
              "config error: --audit.log_jobs_per_second: invalid number \"lots\" (expected a "
              "whole number from 0 to 1000000)");
    EXPECT_CONTAINS(yaml_error("audit:\n  log_jobs_per_second: 1000001\n"),
                    ":2: audit.log_jobs_per_second: number \"1000001\" out of range");
    EXPECT_EQ(load({"--audit.log_jobs_per_second=0"}).center.audit_log_jobs_per_second, 0u);
}

TEST_F(config, addresses_are_host_colon_port) {
    for (const char* good : {"127.0.0.1:8010", "0.0.0.0:0", "255.255.255.255:65535", "[::1]:8010",
                             "[::]:0", "[fe80::1:2]:443", "[::ffff:10.0.0.1]:80"}) {
        SCOPED_TRACE(good);
        EXPECT_EQ(load({std::string("--listen=") + good}).center.listen, good);
        EXPECT_EQ(load({std::string("--admin.listen=") + good}).center.admin_listen, good);
    }
    for (const char* bad :
         {"127.0.0.1", "127.0.0.1:", ":8010", "localhost:8010", "1.2.3:80", "256.0.0.1:80",
          "::1:8010", "[::1]8010", "[::1]", "[::1:8010", "[127.0.0.1]:80", "1.2.3.4:+80",
          "1.2.3.4:80x", "1.2.3.4:123456", " 1.2.3.4:80", ""}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(error_of({std::string("--listen=") + bad}),
                  std::string("config error: --listen: invalid address \"") + bad +
                      "\" (expected host:port with an IPv4 address or a bracketed IPv6 address, "
                      "e.g. 127.0.0.1:8010 or [::1]:8010)");
    }
    EXPECT_EQ(error_of({"--admin.listen=1.2.3.4:65536"}),
              "config error: --admin.listen: invalid address \"1.2.3.4:65536\": port must be 0 "
              "to 65535");
    EXPECT_CONTAINS(ini_error("\n[admin]\nlisten = nowhere\n"),
                    "c.ini: admin.listen: invalid address \"nowhere\"");
}

TEST_F(config, log_level_must_be_known) {
    for (const char* good : {"debug", "info", "notice", "warning", "error"}) {
        EXPECT_EQ(load({std::string("--log.level=") + good}).log_level, good);
    }
    EXPECT_EQ(error_of({"--log.level=verbose"}),
              "config error: --log.level: invalid level \"verbose\" (expected debug, info, "
              "notice, warning or error)");
    EXPECT_CONTAINS(yaml_error("log:\n  level: INFO\n"), ":2: log.level: invalid level \"INFO\"");
}

TEST_F(config, admin_metrics_public_is_true_or_false) {
    EXPECT_FALSE(load({}).center.admin_metrics_public);
    EXPECT_TRUE(load({"--admin.metrics_public=true"}).center.admin_metrics_public);
    EXPECT_FALSE(load({"--admin.metrics_public", "false"}).center.admin_metrics_public);
    const std::string yaml = write("m.yaml", "admin:\n  metrics_public: true\n");
    EXPECT_TRUE(load({"--config", yaml}).center.admin_metrics_public);
    EXPECT_TRUE(load({"--config", write("m.ini", "[admin]\nmetrics_public = true\n")})
                    .center.admin_metrics_public);
    EXPECT_FALSE(
        load({"--config", yaml, "--admin.metrics_public=false"}).center.admin_metrics_public);
    EXPECT_EQ(error_of({"--admin.metrics_public=yes"}),
              "config error: --admin.metrics_public: invalid value \"yes\" (expected true or "
              "false)");
    EXPECT_CONTAINS(yaml_error("admin:\n  metrics_public: 1\n"),
                    ":2: admin.metrics_public: invalid value \"1\"");
    EXPECT_CONTAINS(config_help(), "--admin.metrics_public");
    EXPECT_CONTAINS(config_help(), "without the admin token. [false]");
}

TEST_F(config, empty_auth_token_is_rejected) {
    EXPECT_EQ(error_of({"--auth.token="}), "config error: --auth.token: empty token");
    EXPECT_CONTAINS(yaml_error("auth:\n  token:\n    - good\n    - \"\"\n"),
                    ":4: auth.token: empty token");
    EXPECT_CONTAINS(ini_error("[auth]\ntoken =\n"), "c.ini: auth.token: empty token");
    // An empty admin token is allowed: it is the default and means "admin API closed".
    EXPECT_EQ(load({"--admin.token="}).center.admin_token, "");
    const std::string path = write("c.yaml", "admin: {token: from-file}\n");
    EXPECT_EQ(load({"--config", path}).center.admin_token, "from-file");
    EXPECT_EQ(load({"--config", path, "--admin.token="}).center.admin_token, "");
    EXPECT_EQ(load({"--config", path, "--admin.token", ""}).center.admin_token, "");
}

// ---- unknown keys and structure -------------------------------------------------------------

TEST_F(config, unknown_yaml_key_names_file_and_line) {
    const std::string path = (dir_ / "c.yaml").string();
    EXPECT_EQ(yaml_error("listen: 127.0.0.1:1\nheartbeat:\n  interval: 5s\n  intervall: 6s\n"),
              "config error: " + path + ":4: unknown key \"heartbeat.intervall\"");
    EXPECT_EQ(yaml_error("\nfoo: 1\n"), "config error: " + path + ":2: unknown key \"foo\"");
    // A whole mapping under an unknown section is named by the section's line.
    EXPECT_EQ(yaml_error("log: {level: info}\nstorage:\n  path: /tmp\n"),
              "config error: " + path + ":2: unknown key \"storage\"");
    // The action flags are command-line only.
    EXPECT_EQ(yaml_error("config: other.yaml\n"),
              "config error: " + path + ":1: unknown key \"config\"");
}

TEST_F(config, unknown_ini_key_names_file) {
    EXPECT_EQ(
        ini_error("[heartbeat]\nintervall = 5s\n"),
        "config error: " + (dir_ / "c.ini").string() + ": unknown key \"heartbeat.intervall\"");
    EXPECT_EQ(ini_error("[storage]\npath = /tmp\n"),
              "config error: " + (dir_ / "c.ini").string() + ": unknown key \"storage.path\"");
}

TEST_F(config, unknown_flag_is_named) {
    EXPECT_EQ(error_of({"--heartbeat.intervall=5s"}),
              "config error: --heartbeat.intervall: unknown option (see --help)");
    EXPECT_EQ(error_of({"--bogus"}), "config error: --bogus: unknown option (see --help)");
    // No abbreviations: a prefix of a key is not that key.
    EXPECT_EQ(error_of({"--lis=127.0.0.1:1"}), "config error: --lis: unknown option (see --help)");
    EXPECT_EQ(error_of({"stray"}), "config error: command line: unexpected argument \"stray\"");
    EXPECT_EQ(error_of({"--listen"}),
              "config error: command line: the required argument for option '--listen' is missing");
}

TEST_F(config, yaml_shape_errors) {
    const std::string path = (dir_ / "c.yaml").string();
    EXPECT_EQ(yaml_error("listen:\n  - 127.0.0.1:1\n"),
              "config error: " + path + ":2: listen: expected a single value, got a sequence");
    EXPECT_EQ(
        yaml_error("heartbeat:\n  interval: {seconds: 5}\n"),
        "config error: " + path + ":2: heartbeat.interval: expected a single value, got a mapping");
    EXPECT_EQ(yaml_error("log:\n  level:\n"),
              "config error: " + path + ":2: log.level: expected a single value, got no value");
    EXPECT_CONTAINS(yaml_error("heartbeat: 5s\n"),
                    path + ":1: heartbeat: expected a mapping of keys");
    EXPECT_EQ(yaml_error("auth:\n  token:\n    - a\n    - {b: c}\n"),
              "config error: " + path +
                  ":4: auth.token: expected a list of single values, got a mapping in it");
    EXPECT_EQ(yaml_error("auth:\n  token: {a: b}\n"),
              "config error: " + path +
                  ":2: auth.token: expected a value or a list of values, got a mapping");
    EXPECT_CONTAINS(yaml_error("- listen\n- admin\n"),
                    path +
                        ":1: expected a mapping of keys (e.g. \"listen: 127.0.0.1:8010\"), got "
                        "a sequence");
    EXPECT_CONTAINS(yaml_error("just some text\n"), path + ":1: expected a mapping of keys");
    EXPECT_CONTAINS(yaml_error("log: {level: info}\n---\nlog: {level: debug}\n"),
                    path + ":3: only one YAML document is allowed");
}

TEST_F(config, yaml_syntax_error_names_file_and_line) {
    const std::string path = (dir_ / "c.yaml").string();
    const std::string message = yaml_error("log:\n  level: info\nheartbeat: [1, 2\n");
    EXPECT_CONTAINS(message, "config error: " + path + ":");
    EXPECT_CONTAINS(message, "YAML syntax error: ");
    const std::string bad_indent = yaml_error("log:\n  level: info\n bad: x\n");
    EXPECT_CONTAINS(bad_indent, "config error: " + path + ":3: YAML syntax error: ");
}

TEST_F(config, ini_syntax_error_names_file) {
    EXPECT_CONTAINS(ini_error("[log]\nlevel\n"), "config error: " + (dir_ / "c.ini").string() +
                                                     ": the options configuration file contains "
                                                     "an invalid line 'level'");
}

TEST_F(config, file_problems) {
    const std::string json = write("c.json", "{}");
    EXPECT_EQ(error_of({"--config", json}),
              "config error: " + json +
                  ": unsupported config file extension \".json\" (expected .yaml or .yml for "
                  "YAML, .ini or .conf for INI)");
    const std::string none = write("regcenterd", "");
    EXPECT_CONTAINS(error_of({"--config", none}), "unsupported config file extension \"\"");
    const std::string missing = (dir_ / "missing.yaml").string();
    EXPECT_EQ(error_of({"--config", missing}),
              "config error: " + missing + ": cannot open config file: No such file or directory");
    const std::string directory = (dir_ / "dir.yaml").string();
    fs::create_directory(directory);
    EXPECT_CONTAINS(error_of({"--config", directory}), "config error: " + directory + ": cannot");
    EXPECT_EQ(error_of({"--config", json, "--config", json}),
              "config error: --config: given more than once");
    EXPECT_EQ(error_of({"--config="}), "config error: --config: empty file name");
}

// ---- actions --------------------------------------------------------------------------------

TEST_F(config, check_config_validates_everything) {
    const std::string path = write("c.ini", "[heartbeat]\ninterval = 7s\n");
    const auto loaded = load_config({"--check-config", "--config", path});
    EXPECT_EQ(loaded.action, config_action::check_config);
    EXPECT_EQ(loaded.config.center.heartbeat_interval, 7s);
    EXPECT_EQ(loaded.config.config_file, path);
    EXPECT_EQ(load_config({"--check-config"}).action, config_action::check_config);
    write("c.ini", "[heartbeat]\ninterval = never\n");
    EXPECT_THROW(load_config({"--check-config", "--config", path}), config_error);
}

TEST_F(config, help_and_version_need_no_valid_config) {
    EXPECT_EQ(load_config({"--help"}).action, config_action::help);
    EXPECT_EQ(load_config({"-h"}).action, config_action::help);
    EXPECT_EQ(load_config({"--version"}).action, config_action::version);
    // Answered before values are validated or the file is read.
    const auto help = load_config({"--listen=nowhere", "--config", "/nonexistent.yaml", "--help"});
    EXPECT_EQ(help.action, config_action::help);
    EXPECT_EQ(help.config.center.listen, "127.0.0.1:8010");
    EXPECT_EQ(load_config({"--version", "--config", "/nonexistent.json"}).action,
              config_action::version);
    EXPECT_EQ(load_config({"--help", "--version"}).action, config_action::help);
    // Unknown flags are still errors.
    EXPECT_THROW(load_config({"--help", "--bogus"}), config_error);
}

TEST_F(config, help_lists_every_key_with_its_default) {
    const std::string help = config_help();
    for (const char* key : {"--listen", "--admin.listen", "--admin.token", "--auth.token",
                            "--auth.timeout", "--auth.max_failures", "--heartbeat.interval",
                            "--heartbeat.timeout", "--limits.max_message", "--log.level",
                            "--config", "--check-config", "--help", "--version"}) {
        EXPECT_CONTAINS(help, key);
    }
    for (const char* default_text :
         {"[127.0.0.1:8010]", "[127.0.0.1:8011]", "[empty]", "[none]", "[10s]", "[3]", "[20s]",
          "[2 x heartbeat.interval]", "[1MiB]", "[info]"}) {
        EXPECT_CONTAINS(help, default_text);
    }
}

// ---- log.sink, log.journal_socket, audit.file --------------------------------------------------

TEST_F(config, log_sink_journal_socket_and_audit_file) {
    const auto yaml = load({"--config", write("s.yaml",
                                              "log:\n"
                                              "  sink: journal\n"
                                              "  journal_socket: /tmp/test-journal.sock\n"
                                              "audit:\n"
                                              "  file: /var/log/regcenterd/audit.log\n")});
    EXPECT_EQ(yaml.log_sink, "journal");
    EXPECT_EQ(yaml.journal_socket, "/tmp/test-journal.sock");
    EXPECT_EQ(yaml.center.audit_file, "/var/log/regcenterd/audit.log");
    const auto ini = load({"--config", write("s.ini",
                                             "[log]\n"
                                             "sink = journal\n"
                                             "journal_socket = /tmp/test-journal.sock\n"
                                             "[audit]\n"
                                             "file = /var/log/regcenterd/audit.log\n")});
    expect_same_settings(yaml, ini);
    const auto flags = load(
        {"--log.sink=console", "--log.journal_socket=/run/j.sock", "--audit.file", "audit.jsonl"});
    EXPECT_EQ(flags.log_sink, "console");
    EXPECT_EQ(flags.journal_socket, "/run/j.sock");
    EXPECT_EQ(flags.center.audit_file, "audit.jsonl");
    for (const char* sink : {"auto", "console", "journal"}) {
        EXPECT_EQ(load({std::string("--log.sink=") + sink}).log_sink, sink);
    }
    // An empty audit.file (e.g. to drop the file's) writes no file.
    EXPECT_EQ(load({"--config", yaml.config_file, "--audit.file="}).center.audit_file, "");

    EXPECT_EQ(error_of({"--log.sink=syslog"}),
              "config error: --log.sink: invalid sink \"syslog\" (expected auto, console or "
              "journal)");
    EXPECT_CONTAINS(yaml_error("log:\n  sink: Journal\n"), ":2: log.sink: invalid sink");
    EXPECT_EQ(error_of({"--log.journal_socket="}),
              "config error: --log.journal_socket: a socket path must have 1 to 107 bytes");
    EXPECT_CONTAINS(error_of({"--log.journal_socket=/" + std::string(107, 'x')}), "1 to 107 bytes");

    const std::string help = config_help();
    for (const char* text : {"--log.sink", "[auto]", "--log.journal_socket",
                             "[/run/systemd/journal/socket]", "--audit.file"}) {
        EXPECT_CONTAINS(help, text);
    }
}

// ---- units ----------------------------------------------------------------------------------

TEST(units, parse_duration) {
    EXPECT_EQ(parse_duration("500ms"), duration(500ms));
    EXPECT_EQ(parse_duration("20s"), duration(20s));
    EXPECT_EQ(parse_duration("2m"), duration(120s));
    EXPECT_EQ(parse_duration("1h"), duration(3600s));
    EXPECT_EQ(parse_duration("1.5"), duration(1500ms));
    EXPECT_EQ(parse_duration("20"), duration(20s));
    EXPECT_EQ(parse_duration("0"), duration(0));
    EXPECT_EQ(parse_duration(".5s"), duration(500ms));
    for (const char* bad : {"-1", "abc", "1e3", "", "s", "1x", "1.2.3", "+1", "1 day", "inf"}) {
        EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
    }
}

TEST(units, parse_size) {
    EXPECT_EQ(parse_size("65536"), 65536u);
    EXPECT_EQ(parse_size("64KiB"), 65536u);
    EXPECT_EQ(parse_size("1MiB"), 1048576u);
    EXPECT_EQ(parse_size("1GiB"), 1073741824u);
    EXPECT_EQ(parse_size("1.5KiB"), 1536u);
    EXPECT_EQ(parse_size("2KB"), 2000u);
    EXPECT_EQ(parse_size("10B"), 10u);
    for (const char* bad :
         {"-1", "abc", "1e3", "", "0.5", "1.1B", "1TiB", "64kib", "99999999999GiB"}) {
        EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
    }
}

TEST(units, format_duration) {
    EXPECT_EQ(format_duration(20s), "20s");
    EXPECT_EQ(format_duration(120s), "2m");
    EXPECT_EQ(format_duration(500ms), "500ms");
    EXPECT_EQ(format_duration(3600s), "1h");
}

}  // namespace
}  // namespace regcenter
