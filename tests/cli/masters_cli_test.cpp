// regcenterctl against a real regcenterd: masters, master, kick, tokens, and how it reports a
// daemon it can't reach or that refuses its token.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "cli_fixture.hpp"
#include "regcenter/common/sha256.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::vector<std::string> master_ids(const json::value& body) {
    std::vector<std::string> ids;
    for (const auto& m : body.at("masters").as_array()) {
        ids.emplace_back(m.at("id").as_string());
    }
    return ids;
}

TEST_F(cli_test, masters_prints_a_table_and_the_api_json) {
    start_daemon();
    const std::string a = start_master("web-1", {"zone=a", "role=web"});
    const std::string b = start_master("db-1", {"zone=b"});

    auto r = ctl({"masters"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("ID")) << r.out;
    for (const char* column : {"NAME", "REMOTE", "LABELS", "ACTIONS", "CONNECTED"}) {
        EXPECT_TRUE(contains(r.out.substr(0, r.out.find('\n')), column)) << column;
    }
    EXPECT_TRUE(contains(r.out, a)) << r.out;
    EXPECT_TRUE(contains(r.out, b)) << r.out;
    EXPECT_TRUE(contains(r.out, "web-1"));
    EXPECT_TRUE(contains(r.out, "role=web,zone=a")) << r.out;
    EXPECT_TRUE(contains(r.out, "echo")) << r.out;
    EXPECT_TRUE(contains(r.out, "s ago")) << r.out;

    r = ctl({"masters", "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    const auto ids = master_ids(json::parse(r.out));
    EXPECT_EQ(ids, (std::vector<std::string>{a, b}));
}

TEST_F(cli_test, master_shows_one_master_and_fails_for_an_unknown_id) {
    start_daemon();
    const std::string id = start_master("web-1", {"zone=a"});

    auto r = ctl({"master", id});
    ASSERT_EQ(r.status, 0) << r.describe();
    for (const std::string& text :
         std::vector<std::string>{"ID:", id, "NAME:", "web-1", "zone=a",
                                  "CONNECTED:", "LAST SEEN:", "ACTIONS:", "produce",
                                  "writes args.bytes bytes", R"({"type":"object")"}) {
        EXPECT_TRUE(contains(r.out, text)) << text << "\n" << r.out;
    }

    r = ctl({"master", id, "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(json::parse(r.out).at("id").as_string(), id);

    r = ctl({"master", "0123456789abcdef0123456789abcdef"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "master-not-found")) << r.err;
    EXPECT_TRUE(r.out.empty());
}

TEST_F(cli_test, kick_disconnects_a_master) {
    start_daemon();
    const std::string kept = start_master("kept");
    const std::string kicked = start_master("kicked");

    auto r = ctl({"kick", kicked});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, "kicked " + kicked));
    const auto ids = master_ids(admin(http::verb::get, "/v1/masters").json());
    EXPECT_EQ(ids, std::vector<std::string>{kept});

    r = ctl({"kick", kicked});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "master-not-found")) << r.err;
}

TEST_F(cli_test, tokens_add_list_and_remove) {
    start_daemon();
    const std::string fingerprint = token_fingerprint("new-master-token");

    auto r = ctl({"tokens", "add", "new-master-token"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(r.out, "added " + fingerprint + "\n");
    r = ctl({"tokens", "add", "new-master-token"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(r.out, "already present: " + fingerprint + "\n");

    // From stdin, so that the secret is not on the command line.
    const auto stdin_token = write_file("token", "stdin-token\n");
    r = ctl({"tokens", "add", "-"}, with_stdin(stdin_token));
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(r.out, "added " + token_fingerprint("stdin-token") + "\n");

    r = ctl({"tokens", "list"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("FINGERPRINT\n")) << r.out;
    EXPECT_TRUE(contains(r.out, fingerprint)) << r.out;
    EXPECT_TRUE(contains(r.out, token_fingerprint(cli_master_token))) << r.out;
    EXPECT_FALSE(contains(r.out, "new-master-token"));

    r = ctl({"tokens", "remove", fingerprint});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(r.out, "removed " + fingerprint + "\n");
    r = ctl({"tokens", "list", "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_FALSE(contains(r.out, fingerprint)) << r.out;
    EXPECT_TRUE(json::parse(r.out).at("tokens").is_array());

    r = ctl({"tokens", "remove", fingerprint});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "token-not-found")) << r.err;
}

TEST_F(cli_test, address_and_token_from_the_environment_and_the_daemons_config) {
    start_daemon();
    const std::string id = start_master("web-1");

    auto r = ctl_raw({"masters", "--verbose"},
                     with_env({"REGCENTER_ADDR=" + admin_address(),
                               std::string("REGCENTER_TOKEN=") + cli_admin_token}));
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, id));
    EXPECT_TRUE(contains(r.err, "from REGCENTER_ADDR")) << r.err;
    EXPECT_TRUE(contains(r.err, "token from REGCENTER_TOKEN")) << r.err;

    // A config file as the daemon reads it; a wildcard listen address means loopback.
    const auto config =
        write_file("ctl.yaml", "admin:\n  listen: 0.0.0.0:" + std::to_string(admin_ep_.port()) +
                                   "\n  token: " + cli_admin_token + "\n");
    r = ctl_raw({"masters", "-v"}, with_env({"REGCENTER_CONFIG=" + config.string()}));
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, id));
    EXPECT_TRUE(contains(r.err, "admin API " + admin_address())) << r.err;
    EXPECT_TRUE(contains(r.err, "admin.token in " + config.string())) << r.err;

    // Flags win over both.
    r = ctl_raw({"masters", "--config", config.string(), "--token", "wrong-token"},
                with_env({std::string("REGCENTER_TOKEN=") + cli_admin_token}));
    EXPECT_EQ(r.status, 3) << r.describe();
}

TEST_F(cli_test, a_rejected_token_exits_3) {
    start_daemon();
    auto r = ctl_raw({"masters", "--addr", admin_address(), "--token", "wrong-token"});
    EXPECT_EQ(r.status, 3) << r.describe();
    EXPECT_TRUE(contains(r.err, "admin token rejected by regcenterd at " + admin_address()))
        << r.err;
    EXPECT_TRUE(contains(r.err, "token from --token")) << r.err;
    EXPECT_FALSE(contains(r.err, "wrong-token")) << "the token itself is never shown";
}

TEST_F(cli_test, an_unreachable_daemon_exits_3_naming_the_address) {
    // A port that was free a moment ago: nothing listens there.
    net::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const std::string address = "127.0.0.1:" + std::to_string(probe.local_endpoint().port());
    probe.close();

    for (const std::vector<std::string>& args : {std::vector<std::string>{"masters"},
                                                 {"run", "echo", "--all"},
                                                 {"stream", "cat", "--master", "x"}}) {
        auto all = args;
        all.insert(all.end(), {"--addr", address, "--token", "t"});
        const auto r = ctl_raw(all);
        EXPECT_EQ(r.status, 3) << r.describe();
        EXPECT_TRUE(contains(r.err, "cannot reach regcenterd at " + address)) << r.err;
        EXPECT_TRUE(contains(r.err, "--addr")) << r.err;
    }
}

TEST_F(cli_test, bad_flags_exit_2_with_a_usable_message) {
    auto r = ctl_raw({"masters", "--frobnicate"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "unknown option --frobnicate for \"masters\"")) << r.err;
    EXPECT_TRUE(contains(r.err, "regcenterctl masters --help")) << r.err;
    EXPECT_TRUE(r.out.empty());

    r = ctl_raw({"run", "echo", "--all", "--timeout", "soon", "--addr", "127.0.0.1:1"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "--timeout")) << r.err;

    r = ctl_raw({"--help"});
    EXPECT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, "Exit codes"));
}

}  // namespace
}  // namespace regcenter::test
