// regcenterctl watch against a real regcenterd and real masters: events as JSON lines and as
// text, --since replays, a center shutting down, and a watch the center can't continue.
#include <signal.h>

#include <sstream>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "cli_fixture.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class watch_cli_test : public cli_test {
  protected:
    // regcenterctl watch ARGS as a running child; returns once the daemon has it subscribed.
    std::unique_ptr<child_process> start_watch(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {REGCENTERCTL_PATH, "watch"};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--addr", admin_address(), "--token", cli_admin_token});
        const std::size_t from = daemon_->line_count();
        auto watch = std::make_unique<child_process>(argv);
        if (!daemon_->wait_for_line("event watcher started", 20s, from)) {
            throw std::runtime_error("the watch did not start:\n" + watch->output());
        }
        return watch;
    }

    // The JSON lines a --json watch printed so far (stderr lines are not JSON objects).
    static std::vector<json::object> events_of(const child_process& watch) {
        std::vector<json::object> out;
        std::istringstream lines(watch.output());
        std::string line;
        while (std::getline(lines, line)) {
            if (line.starts_with("{")) {
                out.push_back(json::parse(line).as_object());
            }
        }
        return out;
    }

    static std::string str(const json::object& o, std::string_view key) {
        const json::value* v = o.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    }
};

TEST_F(watch_cli_test, watch_json_prints_a_master_coming_and_leaving_as_it_happens) {
    start_daemon();
    auto watch = start_watch({"--json"});
    const std::string id = start_master("svc-1", {}, {"http"});
    masters_.back()->signal(SIGTERM);  // it leaves the center
    ASSERT_TRUE(watch->wait_for_line(R"(^\{.*"type":"service-removed")", 20s)) << watch->output();

    const auto events = events_of(*watch);
    ASSERT_EQ(events.size(), 4u) << watch->output();
    const std::vector<std::string> expected = {"master-authenticated", "service-registered",
                                               "master-disconnected", "service-removed"};
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(str(events[i], "type"), expected[i]);
        EXPECT_EQ(str(events[i], "master"), id);
        EXPECT_EQ(events[i].at("index").as_int64(), static_cast<std::int64_t>(i + 1));
    }
    EXPECT_EQ(str(events[1], "service"), "http");
    EXPECT_EQ(str(events[2], "reason"), "left");
    EXPECT_EQ(str(events[3], "service"), "http");
    EXPECT_EQ(str(events[3], "reason"), "left");

    watch->signal(SIGINT);  // Ctrl-C
    EXPECT_EQ(watch->wait_exit(10s), std::optional<int>(0)) << watch->output();
}

TEST_F(watch_cli_test, watch_since_replays_what_happened_as_text_lines) {
    start_daemon();
    const std::string id = start_master("svc-1", {}, {"http"});
    masters_.back()->signal(SIGTERM);
    ASSERT_TRUE(masters_.back()->wait_exit(20s));
    ASSERT_TRUE(wait_for([&] {
        return admin(http::verb::get, "/v1/services").json().at("services").as_array().empty();
    }));

    auto watch = start_watch({"--since", "0"});
    const std::string time = R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)";
    EXPECT_TRUE(watch->wait_for_line("^1  " + time + "  master-authenticated  master=" + id +
                                         R"( name=svc-1 remote=127\.0\.0\.1:\d+$)",
                                     20s))
        << watch->output();
    EXPECT_TRUE(watch->wait_for_line(
        "^4  " + time + "  service-removed +master=" + id + " name=svc-1 service=http reason=left$",
        20s))
        << watch->output();
    watch->signal(SIGTERM);
    EXPECT_EQ(watch->wait_exit(10s), std::optional<int>(0)) << watch->output();
}

TEST_F(watch_cli_test, a_center_shutting_down_is_reported_and_retried_until_ctrl_c) {
    start_daemon();
    auto watch = start_watch({});
    daemon_->signal(SIGTERM);
    ASSERT_TRUE(daemon_->wait_exit(20s));
    EXPECT_TRUE(watch->wait_for_line(
        R"(^regcenterctl: regcenterd at 127\.0\.0\.1:\d+ is shutting down; reconnecting with since=0$)",
        20s))
        << watch->output();
    EXPECT_TRUE(
        watch->wait_for_line(R"(^regcenterctl: cannot reach .* \(retrying in \d+\.\ds\)$)", 20s))
        << watch->output();
    watch->signal(SIGINT);
    EXPECT_EQ(watch->wait_exit(10s), std::optional<int>(0)) << watch->output();
}

TEST_F(watch_cli_test, a_watch_the_center_cannot_continue_and_bad_flags_exit_with_a_reason) {
    start_daemon();
    auto r = ctl({"watch", "--since", "50"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_NE(r.err.find("event 50 is beyond this center's newest event 0"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("re-list"), std::string::npos) << r.err;

    r = ctl({"watch", "--since", "soon"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_NE(r.err.find("--since: expected an event index"), std::string::npos) << r.err;

    r = ctl({"watch", "--type", "master-joined"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_NE(r.err.find("unknown event type \"master-joined\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("service-registered"), std::string::npos) << r.err;

    r = ctl_raw({"watch", "--addr", admin_address(), "--token", "wrong"});
    EXPECT_EQ(r.status, 3) << r.describe();
    EXPECT_NE(r.err.find("admin token rejected"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace regcenter::test
