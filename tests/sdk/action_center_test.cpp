// Actions end to end: SDK masters serving actions, the real in-process center running them
// through its API and the admin HTTP API.
#include <atomic>
#include <future>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "regcenter/common/sha256.hpp"
#include "regcenter/master.hpp"
#include "support/sdk_center_fixture.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class action_center_test : public sdk_center_test {
  protected:
    void SetUp() override {
        start_center_and_master("actions-master", [](master& m) {
            m.handle_call("upper", [](const json::value&, std::string input) {
                for (char& ch : input) {
                    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                }
                return input;
            });
            m.handle_call("fail", [](const json::value&, std::string) -> std::string {
                throw std::runtime_error("refused on purpose");
            });
            m.handle_call(
                "args", [](const json::value& args, std::string) { return json::serialize(args); });
            m.handle("echo", serve_echo);
        });
    }

    call_result call(std::string action, std::string input, json::value args = nullptr,
                     std::chrono::milliseconds timeout = 10s) {
        auto promise = std::make_shared<std::promise<call_result>>();
        call_request request;
        request.master_id = id_;
        request.action = std::move(action);
        request.args = std::move(args);
        request.input = std::move(input);
        request.timeout = timeout;
        center_->call(std::move(request), [promise](call_result res) { promise->set_value(res); });
        return promise->get_future().get();
    }
};

TEST_F(action_center_test, the_center_lists_the_masters_actions) {
    const auto info = center_->master(id_);
    ASSERT_TRUE(info.has_value());
    ASSERT_TRUE(info->actions);
    std::vector<std::string> names;
    for (const auto& a : *info->actions) {
        names.push_back(a.name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"args", "echo", "fail", "upper"}));
}

TEST_F(action_center_test, a_call_handler_answers) {
    const call_result r = call("upper", "hello");
    EXPECT_EQ(r.status, "ok") << r.error_code << " " << r.error_message;
    EXPECT_EQ(r.output, "HELLO");
    EXPECT_EQ(call("args", "", json::parse(R"({"n":[1,2]})")).output, R"({"n":[1,2]})");
}

TEST_F(action_center_test, a_throwing_handler_is_an_error_and_the_master_stays) {
    const call_result r = call("fail", "");
    EXPECT_EQ(r.status, "error");
    EXPECT_EQ(r.error_code, "action-failed");
    EXPECT_NE(r.error_message.find("refused on purpose"), std::string::npos);
    EXPECT_EQ(call("upper", "still here").output, "STILL HERE");
    EXPECT_EQ(r_.authenticated.size(), 1u);
}

TEST_F(action_center_test, an_unknown_action_is_refused) {
    EXPECT_EQ(call("reboot", "").error_code, "unknown-action");
}

TEST_F(action_center_test, ten_megabytes_through_a_stream_come_back_byte_exact) {
    std::string input(10 * 1024 * 1024, '\0');
    std::uint32_t x = 12345;
    for (char& c : input) {
        x = x * 1103515245 + 12345;
        c = static_cast<char>(x >> 24);
    }
    const call_result r = call("echo", input, nullptr, 60s);
    ASSERT_EQ(r.status, "ok") << r.error_code << " " << r.error_message;
    EXPECT_EQ(r.output.size(), input.size());
    EXPECT_TRUE(r.output == input);
}

TEST_F(action_center_test, concurrent_calls_on_one_master_do_not_mix) {
    std::vector<std::future<call_result>> results;
    for (int i = 0; i < 50; ++i) {
        results.push_back(std::async(std::launch::async, [this, i] {
            return call("upper", "call-" + std::to_string(i) + std::string(i * 1000, 'x'));
        }));
    }
    for (int i = 0; i < 50; ++i) {
        const call_result r = results[i].get();
        std::string expected = "CALL-" + std::to_string(i) + std::string(i * 1000, 'X');
        EXPECT_EQ(r.output, expected) << i;
    }
}

TEST_F(action_center_test, a_removed_action_is_no_longer_offered) {
    EXPECT_TRUE(master_->remove_action("upper"));
    EXPECT_TRUE(wait_for([&] {
        const auto m = center_->master(id_);
        return m && m->actions && m->actions->size() == 3;
    }));
    EXPECT_EQ(call("upper", "x").error_code, "unknown-action");
}

TEST_F(action_center_test, the_admin_api_runs_sdk_actions) {
    auto answer =
        admin(http::verb::post, "/v1/masters/" + id_ + "/actions/upper", R"({"input":"via http"})");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(answer.json().at("output"), "VIA HTTP");
    auto failed = admin(http::verb::post, "/v1/masters/" + id_ + "/actions/fail", "{}");
    EXPECT_EQ(failed.status, 502u);
    EXPECT_EQ(failed.json().at("error").at("code"), "action-failed");

    // Each call is a job in the history, with who ran it and its result.
    const std::string job = json::value_to<std::string>(answer.json().at("job"));
    auto record = admin(http::verb::get, "/v1/jobs/" + job);
    ASSERT_EQ(record.status, 200u) << record.body;
    const json::value j = record.json();
    EXPECT_EQ(json::value_to<std::string>(j.at("kind")), "call");
    EXPECT_EQ(json::value_to<std::string>(j.at("state")), "done");
    EXPECT_EQ(json::value_to<std::string>(j.at("results").at(0).at("master")), id_);
    EXPECT_EQ(json::value_to<std::string>(j.at("results").at(0).at("name")), "actions-master");
    EXPECT_EQ(json::value_to<std::string>(j.at("results").at(0).at("output")), "VIA HTTP");
    EXPECT_EQ(json::value_to<std::string>(j.at("started_by")),
              "admin:" + token_fingerprint(admin_token));

    // Unknown keys are refused rather than ignored.
    auto typo =
        admin(http::verb::post, "/v1/masters/" + id_ + "/actions/upper", R"({"inptu":"x"})");
    EXPECT_EQ(typo.status, 400u);
    EXPECT_NE(typo.body.find("inptu"), std::string::npos);
}

TEST_F(action_center_test, a_master_that_goes_away_mid_call_is_reported_disconnected) {
    auto opened = std::make_shared<std::atomic<bool>>(false);
    master_->handle("hang", [opened](std::shared_ptr<action_stream>) { *opened = true; });
    ASSERT_TRUE(wait_for([&] {
        const auto m = center_->master(id_);
        return m && m->actions && m->actions->size() == 5;
    }));
    auto pending =
        std::async(std::launch::async, [this] { return call("hang", "", nullptr, 30s); });
    ASSERT_TRUE(wait_for([&] { return opened->load(); }));  // the stream is open on the master
    master_.reset();                                        // leaves
    const call_result r = pending.get();
    EXPECT_EQ(r.status, "disconnected");
}

}  // namespace
}  // namespace regcenter::test
