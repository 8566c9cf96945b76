// The call endpoint (GET /v1/calls over WebSocket): many calls in flight on one connection
// against a real SDK master, answered by id as they finish; refusals that keep the connection;
// and what closes it.
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/http_client.hpp"
#include "support/sdk_center_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class call_endpoint_test : public sdk_center_test {
  protected:
    void SetUp() override {
        start_center_and_master("call-master", [gate = gate_](master& m) {
            m.handle("echo", serve_echo);
            // Never answers: its calls end by their timeout.
            m.handle("hang", [](std::shared_ptr<action_stream> s) { s->hold_credit(); });
            // Waits for "open-gate", then answers with 1 MiB: many large answers at once.
            m.handle("gated", [gate](std::shared_ptr<action_stream> s) {
                std::lock_guard lock(gate->mutex);
                gate->waiting.push_back(std::move(s));
            });
            m.handle("open-gate", [gate](std::shared_ptr<action_stream> s) {
                std::vector<std::shared_ptr<action_stream>> waiting;
                {
                    std::lock_guard lock(gate->mutex);
                    waiting.swap(gate->waiting);
                }
                for (const auto& w : waiting) {
                    w->write(std::string(1024 * 1024, 'x'));
                    w->end();
                }
                s->end();
            });
        });
    }

    struct gate {
        std::mutex mutex;
        std::vector<std::shared_ptr<action_stream>> waiting;
    };
    std::shared_ptr<gate> gate_ = std::make_shared<gate>();

    std::unique_ptr<ws_client> open() {
        return std::make_unique<ws_client>(admin_ep(), "/v1/calls", 5s, admin_token);
    }

    json::object call(const json::value& id, const std::string& action, std::string input) const {
        return json::object{{"id", id}, {"master", id_}, {"action", action}, {"input", input}};
    }

    // Finished jobs of `action` among the newest 300.
    std::size_t done_jobs(const char* action) {
        const auto jobs = admin(http::verb::get, "/v1/jobs?limit=300").json().at("jobs");
        std::size_t done = 0;
        for (const auto& j : jobs.as_array()) {
            done += j.at("action") == action && j.at("state") == "done" ? 1 : 0;
        }
        return done;
    }

    static json::object next_answer(ws_client& ws) {
        const ws_read r = ws.read(10s);
        EXPECT_EQ(r.what, ws_read::kind::text) << r.data << r.ec.message();
        return r.what == ws_read::kind::text ? json::parse(r.data).as_object() : json::object{};
    }
};

TEST_F(call_endpoint_test, many_calls_in_flight_are_each_answered_under_their_id) {
    auto ws = open();
    // More than the session reads ahead (max_in_flight): the rest wait in the socket.
    constexpr int calls = 300;
    for (int i = 0; i < calls; ++i) {
        ws->send_text(json::serialize(call(i, "echo", "input-" + std::to_string(i))));
    }
    std::set<std::int64_t> ids;
    std::set<std::string> jobs;
    for (int i = 0; i < calls; ++i) {
        const json::object answer = next_answer(*ws);
        ASSERT_TRUE(answer.contains("id")) << json::serialize(answer);
        const std::int64_t id = answer.at("id").as_int64();
        EXPECT_EQ(answer.at("status"), "ok") << json::serialize(answer);
        EXPECT_EQ(answer.at("output"), ("input-" + std::to_string(id)).c_str());
        EXPECT_EQ(answer.at("master"), id_.c_str());
        EXPECT_EQ(answer.at("action"), "echo");
        ids.insert(id);
        jobs.insert(json::value_to<std::string>(answer.at("job")));
    }
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(calls));
    EXPECT_EQ(jobs.size(), static_cast<std::size_t>(calls));  // every call is its own job
    // Each is a job like any call, started by the admin through this endpoint.
    const auto job = admin(http::verb::get, "/v1/jobs/" + *jobs.begin()).json();
    EXPECT_EQ(job.at("kind"), "call");
    EXPECT_EQ(job.at("state"), "done");
}

TEST_F(call_endpoint_test, a_slow_call_does_not_hold_back_the_answers_after_it) {
    auto ws = open();
    json::object slow = call("slow", "hang", "");
    slow["timeout_ms"] = 300;
    ws->send_text(json::serialize(slow));
    ws->send_text(json::serialize(call("fast", "echo", "quick")));
    const json::object first = next_answer(*ws);
    EXPECT_EQ(first.at("id"), "fast");
    EXPECT_EQ(first.at("output"), "quick");
    const json::object second = next_answer(*ws);
    EXPECT_EQ(second.at("id"), "slow");
    EXPECT_EQ(second.at("status"), "timeout");
    EXPECT_EQ(second.at("error").at("code"), "timeout");
}

TEST_F(call_endpoint_test, calls_to_what_is_not_there_are_answered_not_found) {
    auto ws = open();
    json::object nobody = call(1, "echo", "x");
    nobody["master"] = "no-such-master";
    ws->send_text(json::serialize(nobody));
    const json::object a = next_answer(*ws);
    EXPECT_EQ(a.at("id"), 1);
    EXPECT_EQ(a.at("status"), "not-found");

    ws->send_text(json::serialize(call(2, "no-such-action", "x")));
    const json::object b = next_answer(*ws);
    EXPECT_EQ(b.at("id"), 2);
    EXPECT_EQ(b.at("error").at("code"), "unknown-action");
}

// Each kind of bad call gets its own refusal, with the id when there is one, and the
// connection goes on serving.
TEST_F(call_endpoint_test, bad_calls_are_refused_and_the_connection_stays_usable) {
    auto ws = open();
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"not json", "not JSON"},
        {"[1,2]", "a call is a JSON object"},
        {R"({"id":"k","master":"m","action":"echo","selector":{}})", "unknown key \"selector\""},
        {R"({"id":"m","action":"echo"})", "\"master\""},
        {R"({"id":"a","master":"x"})", "\"action\""},
        {R"({"id":"i","master":"x","action":"echo","input":"a","input_base64":"YQ=="})",
         "not both"},
        {R"({"id":"t","master":"x","action":"echo","timeout_ms":0})", "timeout_ms"},
        {R"({"id":"b","master":"x","action":"echo","input_base64":"%%%"})", "base64"},
    };
    for (const auto& [text, says] : bad) {
        ws->send_text(text);
        const json::object answer = next_answer(*ws);
        SCOPED_TRACE(text);
        EXPECT_EQ(answer.at("status"), "refused");
        EXPECT_EQ(answer.at("error").at("code"), "bad-request");
        const std::string message = json::value_to<std::string>(answer.at("error").at("message"));
        EXPECT_NE(message.find(says), std::string::npos) << message;
        json::error_code not_json;
        const json::value parsed = json::parse(text, not_json);
        if (parsed.is_object() && parsed.as_object().contains("id")) {
            EXPECT_EQ(answer.at("id"), parsed.at("id"));
        } else {
            EXPECT_TRUE(answer.at("id").is_null());
        }
        EXPECT_FALSE(answer.contains("job"));  // nothing started
    }
    ws->send_text(json::serialize(call("after", "echo", "still here")));
    EXPECT_EQ(next_answer(*ws).at("output"), "still here");
}

TEST_F(call_endpoint_test, open_call_sessions_are_a_gauge_of_their_own) {
    const auto metrics = [&] { return admin(http::verb::get, "/metrics").body; };
    auto ws = open();
    ASSERT_TRUE(wait_for(
        [&] { return metrics().find("\nregcenter_call_sessions 1\n") != std::string::npos; }));
    EXPECT_NE(metrics().find("\nregcenter_event_watchers 0\n"), std::string::npos);
    ws->close();
    EXPECT_TRUE(wait_for(
        [&] { return metrics().find("\nregcenter_call_sessions 0\n") != std::string::npos; }));
}

TEST_F(call_endpoint_test, a_binary_message_closes_with_1003) {
    auto ws = open();
    ws->send_binary("\x01\x02");
    EXPECT_EQ(ws->wait_closed(5s), std::optional<std::uint16_t>(1003));
}

// The close must not wait behind answers being sent in one batch (batching_stream holds them
// until the queue runs empty, and a close takes the write lock between two answers).
TEST_F(call_endpoint_test, a_binary_message_among_many_answers_still_closes_with_1003_at_once) {
    // A small receive buffer and no reading: the answers (4 MB) back up in the center, which
    // is then in the middle of a batch when the binary message comes.
    auto ws = std::make_unique<ws_client>(admin_ep(), "/v1/calls", 5s, admin_token, 64 * 1024);
    constexpr std::size_t calls = 200;
    for (std::size_t i = 0; i < calls; ++i) {
        ws->send_text(json::serialize(call(i, "echo", std::string(20000, 'e'))));
    }
    ASSERT_TRUE(wait_for([&] { return done_jobs("echo") == calls; }));
    ws->send_binary("\x01");
    EXPECT_EQ(ws->wait_closed(5s), std::optional<std::uint16_t>(1003));
}

// An operator that stops reading while its calls finish: the answers are not kept for it
// without bound, the connection is closed with 1008, and the calls are in the history.
TEST_F(call_endpoint_test, answers_piling_up_unread_close_the_connection_with_1008) {
    auto ws = std::make_unique<ws_client>(admin_ep(), "/v1/calls", 5s, admin_token, 64 * 1024);
    constexpr int large = 80;  // 80 MiB of answers, over the 64 MiB bound
    for (int i = 0; i < large; ++i) {
        ws->send_text(json::serialize(call(i, "gated", "")));
    }
    ASSERT_TRUE(wait_for([&] {
        std::lock_guard lock(gate_->mutex);
        return gate_->waiting.size() == large;
    }));
    ws->send_text(json::serialize(call("open", "open-gate", "")));
    EXPECT_EQ(ws->wait_closed(20s), std::optional<std::uint16_t>(1008));
    EXPECT_TRUE(wait_for([&] { return done_jobs("gated") == static_cast<std::size_t>(large); }));
}

TEST_F(call_endpoint_test, without_the_admin_token_there_is_no_upgrade) {
    try {
        ws_client ws(admin_ep(), "/v1/calls", 5s, "wrong-token");
        FAIL() << "the upgrade was accepted";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("401"), std::string::npos) << e.what();
    }
    const http_result plain = admin(http::verb::get, "/v1/calls");
    EXPECT_EQ(plain.status, 426u);
    EXPECT_EQ(plain.json().at("error").at("code"), "upgrade-required");
}

TEST_F(call_endpoint_test, a_stopping_center_answers_the_calls_in_flight_then_closes_with_1001) {
    auto ws = open();
    json::object pending = call("pending", "hang", "");
    pending["timeout_ms"] = 60000;
    ws->send_text(json::serialize(pending));
    ASSERT_TRUE(wait_for([&] {
        return admin(http::verb::get, "/v1/jobs?limit=1").json().at("jobs").as_array().size() == 1;
    }));
    // stop() waits for the close handshake, which needs this client reading meanwhile.
    std::thread stopping([this] { center_->stop(); });
    const json::object answer = next_answer(*ws);
    EXPECT_EQ(answer.at("id"), "pending");
    EXPECT_NE(answer.at("status"), "ok");
    EXPECT_EQ(ws->wait_closed(5s), std::optional<std::uint16_t>(1001));
    stopping.join();
}

}  // namespace
}  // namespace regcenter::test
