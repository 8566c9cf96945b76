// Masters whose process dies (SIGKILL) in the middle of a fan-out or a stream: the operator
// gets a clear "disconnected" for them, the others' results are intact, and nothing hangs.
#include <future>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <signal.h>

#include "cli_fixture.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// The first running job's id, once one shows up.
std::string wait_for_running_job(std::function<http_result(const std::string&)> get) {
    std::string job;
    EXPECT_TRUE(wait_for([&] {
        const auto jobs = get("/v1/jobs").json().at("jobs").as_array();
        for (const auto& j : jobs) {
            if (j.at("state") == "running") {
                job = json::value_to<std::string>(j.at("job"));
                return true;
            }
        }
        return false;
    }));
    return job;
}

TEST_F(cli_test, a_master_killed_mid_fan_out_is_reported_disconnected_and_the_rest_answer) {
    start_daemon();
    const std::string a = start_master("steady-1");
    const std::string b = start_master("steady-2");
    const std::string doomed = start_master("doomed");
    child_process& doomed_process = *masters_.back();

    // Every master sleeps 1.5 s before answering; the doomed one dies before it can.
    auto run = std::async(std::launch::async, [&] {
        return ctl({"run", "slow", "--all", "--args", R"({"ms":1500})", "--timeout", "20s"});
    });
    const std::string job =
        wait_for_running_job([&](const std::string& t) { return admin(http::verb::get, t); });
    ASSERT_FALSE(job.empty());
    doomed_process.signal(SIGKILL);

    ASSERT_EQ(run.wait_for(30s), std::future_status::ready);
    const program_result r = run.get();
    EXPECT_EQ(r.status, 1) << r.describe();  // a target failed
    const auto record = admin(http::verb::get, "/v1/jobs/" + job).json();
    std::map<std::string, std::string> status;
    for (const auto& result : record.at("results").as_array()) {
        status[json::value_to<std::string>(result.at("master"))] =
            json::value_to<std::string>(result.at("status"));
    }
    EXPECT_EQ(status[a], "ok");
    EXPECT_EQ(status[b], "ok");
    EXPECT_EQ(status[doomed], "disconnected");
    EXPECT_EQ(record.at("summary").at("disconnected").as_int64(), 1);
    // Well before the 20 s timeout: a dead master is noticed when its connection drops.
    EXPECT_LT(record.at("duration_ms").as_int64(), 15000);
    EXPECT_NE(r.out.find(doomed), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("disconnected"), std::string::npos) << r.out;
}

TEST_F(cli_test, a_master_killed_mid_stream_ends_the_stream_with_an_error) {
    start_daemon();
    const std::string doomed = start_master("doomed");
    child_process& doomed_process = *masters_.back();

    // "produce" writes far more than the pipes hold; the master dies while it streams.
    auto stream = std::async(std::launch::async, [&] {
        return ctl({"stream", "produce", "--master", doomed, "--args", R"({"bytes":2000000000})"});
    });
    const std::string job =
        wait_for_running_job([&](const std::string& t) { return admin(http::verb::get, t); });
    ASSERT_FALSE(job.empty());
    doomed_process.signal(SIGKILL);

    ASSERT_EQ(stream.wait_for(30s), std::future_status::ready);
    const program_result r = stream.get();
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("master-disconnected"), std::string::npos) << r.err;
    ASSERT_TRUE(wait_for(
        [&] { return admin(http::verb::get, "/v1/jobs/" + job).json().at("state") == "done"; }));
    const auto record = admin(http::verb::get, "/v1/jobs/" + job).json();
    EXPECT_EQ(record.at("results").at(0).at("status"), "disconnected");
}

}  // namespace
}  // namespace regcenter::test
