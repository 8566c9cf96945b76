// Where regcenterctl finds the admin API and token: flags over the environment over the daemon's
// config file, each source named. No daemon needed.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "exit_codes.hpp"
#include "options.hpp"

namespace regcenter::ctl {
namespace {

namespace fs = std::filesystem;

class options_test : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("regcenterctl-options-" + std::to_string(::getpid()) + "-" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        env_.default_config = (dir_ / "absent.yaml").string();
        env_.getenv = [this](std::string_view name) -> std::optional<std::string> {
            const auto it = vars_.find(std::string(name));
            return it == vars_.end() ? std::nullopt : std::optional(it->second);
        };
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string file(const std::string& name, const std::string& text) {
        const fs::path path = dir_ / name;
        std::ofstream(path) << text;
        return path.string();
    }

    std::string config(const std::string& listen, const std::string& token,
                       const std::string& name = "regcenterd.yaml") {
        std::string text = "admin:\n  listen: " + listen + "\n";
        if (!token.empty()) {
            text += "  token: " + token + "\n";
        }
        return file(name, text);
    }

    // Runs the resolution expecting a ctl_error; returns it.
    ctl_error failure(const connection_flags& flags) {
        try {
            resolve_connection(flags, env_);
        } catch (const ctl_error& e) {
            return e;
        }
        ADD_FAILURE() << "resolve_connection did not fail";
        return ctl_error(exit_ok, "");
    }

    fs::path dir_;
    std::map<std::string, std::string> vars_;
    resolve_environment env_;
};

TEST_F(options_test, flags_win_over_environment_and_config) {
    vars_["REGCENTER_ADDR"] = "127.0.0.1:9002";
    vars_["REGCENTER_TOKEN"] = "env-token";
    vars_["REGCENTER_CONFIG"] = config("127.0.0.1:9001", "config-token");
    connection_flags flags;
    flags.addr = "127.0.0.1:9003";
    flags.token = "flag-token";
    const auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "127.0.0.1:9003");
    EXPECT_EQ(s.host, "127.0.0.1");
    EXPECT_EQ(s.port, "9003");
    EXPECT_EQ(s.address_source, "--addr");
    EXPECT_EQ(s.token, "flag-token");
    EXPECT_EQ(s.token_source, "--token");
}

TEST_F(options_test, environment_wins_over_config) {
    vars_["REGCENTER_ADDR"] = "127.0.0.1:9002";
    vars_["REGCENTER_TOKEN"] = "env-token";
    connection_flags flags;
    flags.config = config("127.0.0.1:9001", "config-token");
    const auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "127.0.0.1:9002");
    EXPECT_EQ(s.address_source, "REGCENTER_ADDR");
    EXPECT_EQ(s.token, "env-token");
    EXPECT_EQ(s.token_source, "REGCENTER_TOKEN");
}

TEST_F(options_test, config_fills_in_what_flags_and_environment_leave_open) {
    const std::string path = config("127.0.0.1:9001", "config-token");
    connection_flags flags;
    flags.config = path;
    auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "127.0.0.1:9001");
    EXPECT_EQ(s.address_source, "admin.listen in " + path);
    EXPECT_EQ(s.token, "config-token");
    EXPECT_EQ(s.token_source, "admin.token in " + path);

    // Each part is resolved on its own: the address from the environment, the token from the
    // file.
    vars_["REGCENTER_ADDR"] = "[::1]:9005";
    s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "[::1]:9005");
    EXPECT_EQ(s.host, "::1");
    EXPECT_EQ(s.token_source, "admin.token in " + path);
}

TEST_F(options_test, config_flag_wins_over_config_variable_and_ini_works) {
    vars_["REGCENTER_CONFIG"] = config("127.0.0.1:9001", "yaml-token");
    connection_flags flags;
    flags.config = file("regcenterd.ini", "[admin]\nlisten = 127.0.0.1:9004\ntoken = ini-token\n");
    const auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "127.0.0.1:9004");
    EXPECT_EQ(s.token, "ini-token");

    flags.config.reset();
    EXPECT_EQ(resolve_connection(flags, env_).token, "yaml-token");
}

TEST_F(options_test, default_config_is_read_only_when_it_exists) {
    connection_flags flags;
    flags.token = "t";
    auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "127.0.0.1:8011");
    EXPECT_EQ(s.address_source, "the default");

    env_.default_config = config("127.0.0.1:9006", "default-token");
    flags.token.reset();
    s = resolve_connection(flags, env_);
    EXPECT_EQ(s.address, "127.0.0.1:9006");
    EXPECT_EQ(s.token, "default-token");
}

TEST_F(options_test, config_is_not_read_when_flags_say_everything) {
    connection_flags flags;
    flags.addr = "127.0.0.1:9003";
    flags.token = "t";
    flags.config = (dir_ / "missing.yaml").string();
    EXPECT_EQ(resolve_connection(flags, env_).address, "127.0.0.1:9003");
}

TEST_F(options_test, wildcard_listen_addresses_are_reached_on_loopback) {
    connection_flags flags;
    flags.config = config("0.0.0.0:9001", "t");
    auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.host, "127.0.0.1");
    EXPECT_EQ(s.address, "127.0.0.1:9001");

    flags.config = config("'[::]:9001'", "t", "v6.yaml");
    s = resolve_connection(flags, env_);
    EXPECT_EQ(s.host, "::1");
    EXPECT_EQ(s.address, "[::1]:9001");
}

TEST_F(options_test, token_file_is_read_without_its_final_newline) {
    connection_flags flags;
    flags.token_file = file("token", "file-token\n");
    const auto s = resolve_connection(flags, env_);
    EXPECT_EQ(s.token, "file-token");
    EXPECT_EQ(s.token_source, "--token-file " + *flags.token_file);
}

TEST_F(options_test, unusable_token_sources_are_usage_errors) {
    connection_flags flags;
    flags.token_file = (dir_ / "missing-token").string();
    auto e = failure(flags);
    EXPECT_EQ(e.code(), exit_usage);
    EXPECT_NE(std::string(e.what()).find("missing-token"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();

    flags.token_file = file("empty-token", "\n");
    e = failure(flags);
    EXPECT_EQ(e.code(), exit_usage);
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();

    flags.token = "t";
    e = failure(flags);
    EXPECT_NE(std::string(e.what()).find("--token and --token-file"), std::string::npos);
}

TEST_F(options_test, no_token_anywhere_says_where_to_put_one) {
    auto e = failure({});
    EXPECT_EQ(e.code(), exit_usage);
    for (const char* hint : {"--token", "REGCENTER_TOKEN", "--config"}) {
        EXPECT_NE(std::string(e.what()).find(hint), std::string::npos) << e.what();
    }

    connection_flags flags;
    flags.config = config("127.0.0.1:9001", "");
    e = failure(flags);
    EXPECT_EQ(e.code(), exit_usage);
    EXPECT_NE(std::string(e.what()).find("has no admin.token"), std::string::npos) << e.what();
}

TEST_F(options_test, bad_addresses_name_their_source) {
    connection_flags flags;
    flags.token = "t";
    flags.addr = "localhost";
    auto e = failure(flags);
    EXPECT_EQ(e.code(), exit_usage);
    EXPECT_NE(std::string(e.what()).find("--addr: invalid address \"localhost\""),
              std::string::npos)
        << e.what();

    flags.addr.reset();
    vars_["REGCENTER_ADDR"] = "127.0.0.1:http";
    e = failure(flags);
    EXPECT_NE(std::string(e.what()).find("REGCENTER_ADDR"), std::string::npos) << e.what();

    vars_.clear();
    flags.config = config("127.0.0.1:0", "t");
    e = failure(flags);
    EXPECT_NE(std::string(e.what()).find("port 0"), std::string::npos) << e.what();
}

TEST_F(options_test, a_broken_config_file_is_reported_with_the_loaders_message) {
    connection_flags flags;
    flags.config = file("bad.yaml", "admin:\n  listen: somewhere\n");
    auto e = failure(flags);
    EXPECT_EQ(e.code(), exit_usage);
    EXPECT_NE(std::string(e.what()).find("admin.listen"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.yaml:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("from --config"), std::string::npos) << e.what();

    flags.config = (dir_ / "missing.yaml").string();
    e = failure(flags);
    EXPECT_NE(std::string(e.what()).find("missing.yaml"), std::string::npos) << e.what();
}

TEST(admin_address, accepts_names_ipv4_and_bracketed_ipv6) {
    auto a = parse_admin_address("localhost:8011");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "localhost");
    EXPECT_EQ(a->port, "8011");
    a = parse_admin_address("[::1]:8011");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "::1");
    EXPECT_EQ(a->address, "[::1]:8011");
    a = parse_admin_address("10.0.0.7:65535");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->address, "10.0.0.7:65535");

    for (const char* bad : {"", "8011", ":8011", "host:", "host:0", "host:65536", "host:80x",
                            "::1:8011", "[::1]8011", "[nonsense]:80", "[::1:80"}) {
        EXPECT_FALSE(parse_admin_address(bad)) << bad;
    }
}

}  // namespace
}  // namespace regcenter::ctl
