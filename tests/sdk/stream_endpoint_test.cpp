// The operator's stream endpoint (GET /v1/masters/{id}/actions/{action}/stream over WebSocket)
// against a real SDK master, and streams that stall.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/sdk_center_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class stream_endpoint_test : public sdk_center_test {
  protected:
    void SetUp() override {
        options_.stream_stall_timeout = 300ms;
        start_center_and_master("stream-master", [](master& m) {
            m.handle("echo", serve_echo);
            m.handle("args", [](std::shared_ptr<action_stream> s) {
                s->write(json::serialize(s->args()));
                s->end();
            });
            m.handle("fail", [](std::shared_ptr<action_stream> s) {
                s->on_data([s](std::string_view) { s->fail("refusing this input", "bad-input"); });
            });
            // Takes nothing: the center's writes pile up until the stall timer fires.
            m.handle("deaf", [](std::shared_ptr<action_stream> s) { s->hold_credit(); });
            // Writes for ever, as fast as the operator takes it.
            m.handle("flood", [](std::shared_ptr<action_stream> s) {
                action_stream* raw = s.get();  // the callbacks run only while the stream lives
                auto more = [raw] {
                    while (raw->write(std::string(64 * 1024, 'x'))) {
                    }
                };
                s->on_drain(more);
                more();
            });
        });
    }

    std::string path(const std::string& action, const std::string& query = "") const {
        return "/v1/masters/" + id_ + "/actions/" + action + "/stream" + query;
    }

    std::unique_ptr<ws_client> open(const std::string& action, const std::string& query = "") {
        return std::make_unique<ws_client>(admin_ep(), path(action, query), 5s, admin_token);
    }

    // Reads until the center closes; returns the data and fills the control messages seen.
    std::string read_to_close(ws_client& ws, std::vector<json::value>& control,
                              std::uint16_t& code) {
        std::string data;
        for (;;) {
            ws_read r = ws.read(10s);
            if (r.what == ws_read::kind::binary) {
                data += r.data;
            } else if (r.what == ws_read::kind::text) {
                control.push_back(json::parse(r.data));
            } else {
                EXPECT_EQ(r.what, ws_read::kind::closed);
                code = r.close_code;
                return data;
            }
        }
    }

    // The error message of the most recent job, once it is done.
    std::string last_job_error() {
        std::string message;
        EXPECT_TRUE(wait_for([&] {
            const auto jobs = admin(http::verb::get, "/v1/jobs?limit=1").json().at("jobs");
            if (jobs.as_array().empty() || jobs.at(0).at("state") != "done") {
                return false;
            }
            const auto job = admin(http::verb::get,
                                   "/v1/jobs/" + json::value_to<std::string>(jobs.at(0).at("job")))
                                 .json();
            const auto& result = job.at("results").at(0).as_object();
            message = result.contains("error")
                          ? json::value_to<std::string>(result.at("error").at("message"))
                          : "";
            return true;
        }));
        return message;
    }

    std::string declined_status(const std::string& target, const std::string& bearer) {
        try {
            ws_client ws(admin_ep(), target, 5s, bearer);
        } catch (const std::system_error& e) {
            return e.what();
        }
        return "accepted";
    }
};

TEST_F(stream_endpoint_test, bytes_go_to_the_action_and_its_output_comes_back) {
    auto ws = open("echo");
    std::string sent;
    for (int i = 0; i < 64; ++i) {
        std::string chunk(50'000, '\0');
        for (std::size_t k = 0; k < chunk.size(); ++k) {
            chunk[k] = static_cast<char>((i * 131 + k * 7) & 0xff);  // binary, with NULs
        }
        ws->send_binary(chunk);
        sent += chunk;
    }
    ws->send_text(R"({"cmd":"end"})");
    std::vector<json::value> control;
    std::uint16_t code = 0;
    const std::string received = read_to_close(*ws, control, code);
    EXPECT_EQ(code, 1000);
    EXPECT_EQ(received.size(), sent.size());
    EXPECT_TRUE(received == sent) << "bytes differ";
    ASSERT_EQ(control.size(), 1u);
    EXPECT_EQ(control[0], json::parse(R"({"cmd":"end"})"));

    // The stream is a job in the history.
    const auto jobs = admin(http::verb::get, "/v1/jobs").json().at("jobs").as_array();
    ASSERT_FALSE(jobs.empty());
    const std::string job = json::value_to<std::string>(jobs.at(0).at("job"));
    ASSERT_TRUE(wait_for(
        [&] { return admin(http::verb::get, "/v1/jobs/" + job).json().at("state") == "done"; }));
    const auto record = admin(http::verb::get, "/v1/jobs/" + job).json();
    EXPECT_EQ(record.at("kind"), "stream");
    EXPECT_EQ(record.at("results").at(0).at("status"), "ok");
    EXPECT_EQ(record.at("results").at(0).at("output_bytes").as_int64(),
              static_cast<std::int64_t>(sent.size()));
}

TEST_F(stream_endpoint_test, args_travel_url_encoded) {
    auto ws = open("args", "?args=%7B%22n%22%3A%5B1%2C2%5D%7D");  // {"n":[1,2]}
    ws->send_text(R"({"cmd":"end"})");
    std::vector<json::value> control;
    std::uint16_t code = 0;
    EXPECT_EQ(json::parse(read_to_close(*ws, control, code)), json::parse(R"({"n":[1,2]})"));
    EXPECT_EQ(code, 1000);
}

TEST_F(stream_endpoint_test, an_action_error_is_a_message_then_close_4500) {
    auto ws = open("fail");
    ws->send_binary("anything");
    std::vector<json::value> control;
    std::uint16_t code = 0;
    read_to_close(*ws, control, code);
    EXPECT_EQ(code, 4500);
    ASSERT_EQ(control.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(control[0].at("cmd")), "error");
    EXPECT_EQ(json::value_to<std::string>(control[0].at("code")), "bad-input");
    EXPECT_EQ(json::value_to<std::string>(control[0].at("message")), "refusing this input");
}

TEST_F(stream_endpoint_test, a_master_that_goes_away_closes_with_4502) {
    auto ws = open("echo");
    ws->send_binary("hello");
    ASSERT_EQ(ws->read(5s).data, "hello");
    master_.reset();  // leaves
    std::vector<json::value> control;
    std::uint16_t code = 0;
    read_to_close(*ws, control, code);
    EXPECT_EQ(code, 4502);
    ASSERT_EQ(control.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(control[0].at("code")), "master-disconnected");
}

TEST_F(stream_endpoint_test, bad_requests_are_refused_before_or_after_the_upgrade) {
    EXPECT_NE(declined_status(path("echo"), "").find("HTTP 401"), std::string::npos);
    EXPECT_NE(declined_status(path("echo"), "wrong").find("HTTP 401"), std::string::npos);
    EXPECT_NE(declined_status(path("nope"), admin_token).find("HTTP 404"), std::string::npos);
    EXPECT_NE(declined_status(path("nope"), admin_token).find("unknown-action"), std::string::npos);
    EXPECT_NE(declined_status("/v1/masters/0123/actions/echo/stream", admin_token)
                  .find("master-not-found"),
              std::string::npos);
    EXPECT_NE(declined_status(path("echo", "?args=%7Bnot-json"), admin_token).find("HTTP 400"),
              std::string::npos);
    EXPECT_NE(declined_status(path("echo", "?args=%zz"), admin_token).find("HTTP 400"),
              std::string::npos);
    // Without an upgrade the endpoint says what it needs.
    EXPECT_EQ(admin(http::verb::get, path("echo")).status, 426u);

    // After the upgrade, text that is not a control message closes with 4400, and the job
    // says why.
    auto ws = open("echo");
    ws->send_text("hello");
    std::vector<json::value> control;
    std::uint16_t code = 0;
    read_to_close(*ws, control, code);
    EXPECT_EQ(code, 4400);
    EXPECT_NE(last_job_error().find("text messages are control"), std::string::npos);

    // A message over 1 MiB is refused by the WebSocket layer (1009), also recorded. The center
    // may close while the client is still writing it: then the write or the close is cut.
    auto big = open("echo");
    try {
        big->send_binary(std::string(2 * 1024 * 1024, 'z'));
    } catch (const std::system_error&) {
    }
    for (;;) {
        const ws_read r = big->read(10s);
        ASSERT_NE(r.what, ws_read::kind::timeout);
        if (r.what == ws_read::kind::closed) {
            EXPECT_EQ(r.close_code, 1009);
            break;
        }
        if (r.what == ws_read::kind::error) {
            break;
        }
    }
    EXPECT_NE(last_job_error().find("at most 1 MiB"), std::string::npos) << last_job_error();
}

TEST_F(stream_endpoint_test, a_stream_may_be_closed_from_its_own_end_callback) {
    // The callbacks may still be unwinding when the test body resumes: what they touch is
    // shared, not on this stack.
    struct shared_state {
        std::mutex m;
        std::shared_ptr<center_stream> stream;
        std::promise<stream_outcome> finished;
    };
    auto state = std::make_shared<shared_state>();
    stream_handlers h;
    const std::string witness(1000, 'w');  // captured: must survive its own callback
    h.on_end = [state, witness] {
        std::lock_guard lock(state->m);
        state->stream->close();
        EXPECT_EQ(witness.size(), 1000u);
    };
    h.on_finish = [state](const stream_outcome& o) { state->finished.set_value(o); };
    auto future = state->finished.get_future();
    {
        std::lock_guard lock(state->m);
        state->stream = center_->open_stream(id_, "args", nullptr, h);
    }
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(future.get().code, "closed");
}

TEST_F(stream_endpoint_test, an_operator_that_stops_reading_stalls_the_stream) {
    auto ws = open("flood");
    // Read nothing. Once the socket buffers are full the center stops crediting the master,
    // which must wait; the stall timer then fails the stream.
    std::string job;
    ASSERT_TRUE(wait_for([&] {
        const auto jobs = admin(http::verb::get, "/v1/jobs").json().at("jobs").as_array();
        if (jobs.empty() || jobs.at(0).at("state") != "done") {
            return false;
        }
        job = json::value_to<std::string>(jobs.at(0).at("job"));
        return true;
    }));
    const auto record = admin(http::verb::get, "/v1/jobs/" + job).json();
    EXPECT_EQ(record.at("results").at(0).at("error").at("code"), "stalled");
    const std::string message =
        json::value_to<std::string>(record.at("results").at(0).at("error").at("message"));
    EXPECT_NE(message.find("operator read nothing"), std::string::npos) << message;
    EXPECT_NE(message.find(id_), std::string::npos) << "names the session: " << message;
    std::vector<json::value> control;
    std::uint16_t code = 0;
    const std::string data = read_to_close(*ws, control, code);
    EXPECT_EQ(code, 4504);
    EXPECT_GT(data.size(), 0u);
    EXPECT_EQ(data.find_first_not_of('x'), std::string::npos);  // what came is intact
    ASSERT_EQ(control.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(control[0].at("code")), "stalled");
}

TEST_F(stream_endpoint_test, a_master_that_takes_nothing_stalls_the_stream) {
    auto finished = std::make_shared<std::promise<stream_outcome>>();
    stream_handlers h;
    h.on_finish = [finished](const stream_outcome& o) { finished->set_value(o); };
    auto future = finished->get_future();
    auto stream = center_->open_stream(id_, "deaf", nullptr, h);
    ASSERT_TRUE(stream);
    stream->write(std::string(1024 * 1024, 'y'));
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    const stream_outcome outcome = future.get();
    EXPECT_EQ(outcome.code, "stalled");
    EXPECT_NE(outcome.message.find("master read nothing"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find(id_), std::string::npos);
    EXPECT_EQ(stream->buffered(), 0u);  // the stalled stream's buffer is released
}

TEST_F(stream_endpoint_test, a_center_that_stops_closes_open_streams_with_1001) {
    auto ws = open("echo");
    ws->send_binary("hello");
    ASSERT_EQ(ws->read(5s).data, "hello");
    std::thread stopper([&] { center_->stop(); });
    std::vector<json::value> control;
    std::uint16_t code = 0;
    read_to_close(*ws, control, code);
    stopper.join();
    EXPECT_EQ(code, 1001);
    ASSERT_EQ(control.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(control[0].at("code")), "center-shutdown");
}

}  // namespace
}  // namespace regcenter::test
