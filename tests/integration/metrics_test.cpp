// GET /metrics (docs/metrics.md) against an in-process center: who may scrape, and that the
// numbers move with what masters, operators and jobs did; promtool checks the format.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <sstream>

#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/child_process.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using sample_map = std::map<std::string, double>;

// The samples of an exposition, keyed by series exactly as written: name{label="value",…}.
sample_map samples(const std::string& text) {
    sample_map out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto space = line.rfind(' ');
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

class metrics_test : public center_test {
  protected:
    void SetUp() override { start_center(); }

    std::string scrape_text() {
        const http_result r = admin(http::verb::get, "/metrics");
        EXPECT_EQ(r.status, 200u) << r.body;
        return r.body;
    }

    sample_map scrape() { return samples(scrape_text()); }

    // The value of one series; a missing one fails the test.
    static double at(const sample_map& s, const std::string& series) {
        const auto it = s.find(series);
        if (it == s.end()) {
            ADD_FAILURE() << "no sample " << series;
            return -1;
        }
        return it->second;
    }

    double now(const std::string& series) { return at(scrape(), series); }

    // A raw master that advertises the action "echo"; returns its session id.
    static std::string join_with_echo(ws_client& master) {
        master.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                         R"(","actions":[{"name":"echo"}]})");
        return std::get<proto::auth_success>(master.read_message()).session;
    }
};

TEST_F(metrics_test, scraping_needs_the_admin_token) {
    const http_result none = http_call(admin_ep(), http::verb::get, "/metrics");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(none.json().at("error").at("code"), "unauthorized");
    EXPECT_EQ(none.raw[http::field::www_authenticate], "Bearer realm=\"regcenter\"");
    EXPECT_EQ(http_call(admin_ep(), http::verb::get, "/metrics", "wrong-token").status, 401u);

    const http_result ok = admin(http::verb::get, "/metrics");
    ASSERT_EQ(ok.status, 200u);
    EXPECT_EQ(ok.raw[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(ok.body.find("# TYPE regcenter_sessions gauge\n"), std::string::npos) << ok.body;
    EXPECT_NE(ok.body.find("\nregcenter_build_info{version=\""), std::string::npos) << ok.body;

    const http_result post = admin(http::verb::post, "/metrics");
    EXPECT_EQ(post.status, 405u);
    EXPECT_EQ(post.raw[http::field::allow], "GET");
}

class public_metrics_test : public metrics_test {
  protected:
    void SetUp() override {
        options_.admin_metrics_public = true;
        start_center();
    }
};

TEST_F(public_metrics_test, metrics_public_lets_a_scraper_in_without_the_token) {
    const http_result r = http_call(admin_ep(), http::verb::get, "/metrics");
    EXPECT_EQ(r.status, 200u);
    EXPECT_NE(r.body.find("regcenter_sessions 0\n"), std::string::npos) << r.body;
    // Only /metrics: the rest of the API still wants the token.
    EXPECT_EQ(http_call(admin_ep(), http::verb::get, "/v1/masters").status, 401u);
}

TEST_F(metrics_test, sessions_authentication_and_disconnects_follow_what_masters_do) {
    const sample_map before = scrape();
    const auto moved = [&](const sample_map& after, const std::string& series) {
        return at(after, series) - at(before, series);
    };
    EXPECT_EQ(at(before, "regcenter_sessions"), 0);

    ws_client a(masters_ep());
    ws_client b(masters_ep());
    a.authenticate(master_token, "a");
    const std::string id_b = b.authenticate(master_token, "b");
    ws_client wrong(masters_ep());
    wrong.send(proto::auth{"not-a-token", std::nullopt, {}});
    ASSERT_TRUE(std::holds_alternative<proto::auth_failed>(wrong.read_message()));

    const sample_map joined = scrape();
    EXPECT_EQ(at(joined, "regcenter_sessions"), 2);
    EXPECT_EQ(at(joined, "regcenter_unauthenticated_connections"), 1);
    EXPECT_EQ(moved(joined, "regcenter_auth_successes_total"), 2);
    EXPECT_EQ(moved(joined, "regcenter_auth_failures_total"), 1);
    EXPECT_EQ(moved(joined, "regcenter_connections_accepted_total{listener=\"master\"}"), 3);
    EXPECT_GE(moved(joined, "regcenter_connections_accepted_total{listener=\"admin\"}"), 1);
    EXPECT_EQ(moved(joined, "regcenter_master_frames_received_total"), 3);  // three auths
    EXPECT_GT(moved(joined, "regcenter_master_bytes_received_total"), 3 * 20);
    // A frame is counted once its write completed, which may be just after the client read it.
    EXPECT_TRUE(wait_for([&] {
        const sample_map s = scrape();
        return moved(s, "regcenter_master_frames_sent_total") >= 3 &&
               moved(s, "regcenter_master_bytes_sent_total") > 3 * 20;
    }));

    EXPECT_EQ(admin(http::verb::delete_, "/v1/masters/" + id_b).status, 204u);
    EXPECT_EQ(b.wait_closed(), proto::close_code::kicked);
    a.close();
    EXPECT_TRUE(wait_for([&] {
        const sample_map s = scrape();
        return moved(s, "regcenter_disconnects_total{reason=\"kicked\"}") == 1 &&
               moved(s, "regcenter_disconnects_total{reason=\"closed\"}") == 1 &&
               at(s, "regcenter_sessions") == 0;
    })) << scrape_text();
    const sample_map after = scrape();
    EXPECT_EQ(moved(after, "regcenter_disconnects_total{reason=\"left\"}"), 0);
    EXPECT_EQ(moved(after, "regcenter_disconnects_total{reason=\"heartbeat-timeout\"}"), 0);
}

TEST_F(metrics_test, calls_count_actions_by_outcome_job_durations_and_stream_bytes) {
    ws_client master(masters_ep());
    const std::string id = join_with_echo(master);
    const sample_map before = scrape();
    const auto moved = [&](const sample_map& after, const std::string& series) {
        return at(after, series) - at(before, series);
    };

    // One call the master answers...
    auto answered = std::async(std::launch::async, [&] {
        return admin(http::verb::post, "/v1/masters/" + id + "/actions/echo",
                     R"({"input":"hello"})");
    });
    const auto open = std::get<proto::stream_open>(master.read_message());
    for (;;) {  // the input, then its end
        const ws_read r = master.read();
        ASSERT_TRUE(r.what == ws_read::kind::binary || r.what == ws_read::kind::text);
        if (r.what == ws_read::kind::text) {
            ASSERT_TRUE(std::holds_alternative<proto::stream_end>(proto::decode(r.data).value()));
            break;
        }
    }
    master.send_binary(proto::encode_data_frame(open.stream, "HELLO!"));
    master.send(proto::stream_end{open.stream});
    const http_result ok = answered.get();
    ASSERT_EQ(ok.status, 200u) << ok.body;

    // ...and one it lets time out.
    const http_result late =
        admin(http::verb::post, "/v1/masters/" + id + "/actions/echo", R"({"timeout_ms":50})");
    EXPECT_EQ(late.status, 504u) << late.body;

    const sample_map after = scrape();
    EXPECT_EQ(at(after, "regcenter_actions_started_total{action=\"echo\"}"), 2);
    EXPECT_EQ(at(after, "regcenter_actions_finished_total{action=\"echo\",status=\"ok\"}"), 1);
    EXPECT_EQ(at(after, "regcenter_actions_finished_total{action=\"echo\",status=\"timeout\"}"), 1);
    EXPECT_EQ(at(after, "regcenter_actions_finished_total{action=\"echo\",status=\"error\"}"), 0);
    EXPECT_EQ(moved(after, "regcenter_job_duration_seconds_count{kind=\"call\"}"), 2);
    EXPECT_EQ(moved(after, "regcenter_job_duration_seconds_bucket{kind=\"call\",le=\"+Inf\"}"), 2);
    // The timed-out call took at least its 50 ms.
    EXPECT_GE(moved(after, "regcenter_job_duration_seconds_sum{kind=\"call\"}"), 0.05);
    EXPECT_EQ(moved(after, "regcenter_job_duration_seconds_count{kind=\"fan-out\"}"), 0);
    EXPECT_EQ(moved(after, "regcenter_stream_bytes_total{direction=\"to_master\"}"), 5);
    EXPECT_EQ(moved(after, "regcenter_stream_bytes_total{direction=\"from_master\"}"), 6);
    EXPECT_EQ(at(after, "regcenter_jobs_running"), 0);
}

TEST_F(metrics_test, gauges_show_services_subscriptions_and_event_watchers) {
    ws_client master(masters_ep());
    master.authenticate(master_token, "web");
    master.send_text(R"({"cmd":"register","services":[{"name":"http"},{"name":"metrics"}]})");
    ASSERT_TRUE(std::holds_alternative<proto::registered>(master.read_message()));
    master.send_text(R"({"cmd":"subscribe","id":1,"service":"http"})");
    ASSERT_TRUE(std::holds_alternative<proto::service_update>(master.read_message()));
    auto watcher = std::make_unique<ws_client>(admin_ep(), "/v1/events", 5s, admin_token);

    const sample_map s = scrape();
    EXPECT_EQ(at(s, "regcenter_service_instances"), 2);
    EXPECT_EQ(at(s, "regcenter_subscriptions"), 1);
    EXPECT_EQ(at(s, "regcenter_event_watchers"), 1);

    watcher->close();
    master.close();
    EXPECT_TRUE(wait_for([&] {
        const sample_map gone = scrape();
        return at(gone, "regcenter_service_instances") == 0 &&
               at(gone, "regcenter_subscriptions") == 0 &&
               at(gone, "regcenter_event_watchers") == 0;
    })) << scrape_text();
}

class heartbeat_metrics_test : public metrics_test {
  protected:
    void SetUp() override {
        options_.heartbeat_interval = 100ms;
        options_.heartbeat_timeout = 2s;
        start_center();
    }
};

TEST_F(heartbeat_metrics_test, ping_round_trips_are_observed) {
    ws_client master(masters_ep());
    master.authenticate(master_token);
    EXPECT_EQ(now("regcenter_heartbeat_round_trip_seconds_count"), 0);
    // Reading lets the client answer the center's pings.
    EXPECT_TRUE(wait_for([&] {
        master.read(20ms);
        return now("regcenter_heartbeat_round_trip_seconds_count") >= 1;
    }));
    EXPECT_GE(master.pings_received(), 1);
    const sample_map s = scrape();
    EXPECT_GT(at(s, "regcenter_heartbeat_round_trip_seconds_sum"), 0);
    EXPECT_EQ(at(s, "regcenter_heartbeat_round_trip_seconds_bucket{le=\"+Inf\"}"),
              at(s, "regcenter_heartbeat_round_trip_seconds_count"));
}

// The full path of `program` on PATH, or empty.
std::string find_on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return "";
}

TEST_F(metrics_test, promtool_accepts_the_exposition) {
    const std::string promtool = find_on_path("promtool");
    if (promtool.empty()) {
        GTEST_SKIP() << "promtool is not on PATH (Debian package prometheus; ./dev installs it)";
    }
    // Series of every family: a session, a kick, a finished job with an action label.
    ws_client master(masters_ep());
    const std::string id = join_with_echo(master);
    const http_result fan_out =
        admin(http::verb::post, "/v1/actions/echo", R"({"selector":{"name":"nobody"}})");
    ASSERT_EQ(fan_out.status, 200u) << fan_out.body;
    ASSERT_EQ(admin(http::verb::delete_, "/v1/masters/" + id).status, 204u);
    const std::string text = scrape_text();
    ASSERT_NE(text.find("regcenter_actions_started_total{action=\"echo\"} 0\n"), std::string::npos)
        << text;

    const fs::path file = fs::path(::testing::TempDir()) /
                          ("regcenter-metrics-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(file, std::ios::binary) << text;
    child_process check(
        {"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool, file.string()});
    const auto status = check.wait_exit(30s);
    fs::remove(file);
    ASSERT_TRUE(status.has_value()) << "promtool did not finish";
    EXPECT_EQ(*status, 0) << check.output();
    EXPECT_EQ(check.output(), "");
}

}  // namespace
}  // namespace regcenter::test
