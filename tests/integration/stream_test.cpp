// Streams from the center's side (proto-spec/actions.md), with a raw client playing the master
// so every frame on the wire is visible: calls, flow control, errors, timeouts, disconnects.
#include <future>

#include <boost/json.hpp>

#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class stream_test : public center_test {
  protected:
    void SetUp() override {
        start_center();
        master_ = std::make_unique<ws_client>(masters_ep());
        master_->send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                           R"(","actions":[{"name":"echo"},{"name":"slow"}]})");
        id_ = std::get<proto::auth_success>(master_->read_message()).session;
    }

    // The raw master does not answer closing handshakes while nobody reads it: close it first
    // so that stopping the center does not wait for it.
    void TearDown() override {
        master_.reset();
        center_test::TearDown();
    }

    std::future<call_result> call(std::string action, std::string input,
                                  std::chrono::milliseconds timeout = 5s) {
        auto promise = std::make_shared<std::promise<call_result>>();
        call_request r;
        r.master_id = id_;
        r.action = std::move(action);
        r.args = json::parse(R"({"k":1})");
        r.input = std::move(input);
        r.timeout = timeout;
        center_->call(std::move(r), [promise](call_result res) { promise->set_value(res); });
        return promise->get_future();
    }

    // Reads frames until the next control message, collecting stream data on the way.
    proto::message next_control(std::string* data = nullptr) {
        for (;;) {
            ws_read r = master_->read();
            if (r.what == ws_read::kind::binary) {
                auto frame = proto::decode_data_frame(r.data);
                EXPECT_TRUE(frame.has_value());
                if (data && frame) {
                    data->append(frame->payload);
                }
                continue;
            }
            if (r.what != ws_read::kind::text) {
                throw std::runtime_error("expected a frame, got none");
            }
            return proto::decode(r.data).value();
        }
    }

    void send_data(proto::stream_id stream, std::string_view bytes) {
        for (std::size_t at = 0; at < bytes.size(); at += proto::streams::max_data_payload) {
            master_->send_binary(proto::encode_data_frame(
                stream, bytes.substr(at, proto::streams::max_data_payload)));
        }
    }

    std::unique_ptr<ws_client> master_;
    std::string id_;
};

// The fixture's master did not ask for "inline_input": open, data and end are three frames.
TEST_F(stream_test, a_call_sends_open_input_and_end_and_collects_the_output) {
    auto result = call("echo", "hello");
    const auto open = std::get<proto::stream_open>(next_control());
    EXPECT_EQ(open.action, "echo");
    EXPECT_EQ(open.args, json::parse(R"({"k":1})"));
    std::string input;
    const auto end = std::get<proto::stream_end>(next_control(&input));
    EXPECT_EQ(end.stream, open.stream);
    EXPECT_EQ(input, "hello");

    send_data(open.stream, "HELLO");
    master_->send(proto::stream_end{open.stream});
    const call_result r = result.get();
    EXPECT_EQ(r.status, "ok") << r.error_code << ": " << r.error_message;
    EXPECT_EQ(r.output, "HELLO");
}

// A master that asks for it in auth ("inline_input") gets a small call as one frame.
TEST_F(stream_test, a_master_that_asks_gets_a_small_calls_input_and_end_in_the_open) {
    master_.reset();
    master_ = std::make_unique<ws_client>(masters_ep());
    master_->send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                       R"(","actions":[{"name":"echo"}],"inline_input":true})");
    id_ = std::get<proto::auth_success>(master_->read_message()).session;

    auto first = call("echo", "hello");
    const auto open = std::get<proto::stream_open>(next_control());
    EXPECT_EQ(open.input, std::optional<std::string>("hello"));
    EXPECT_TRUE(open.end);
    send_data(open.stream, "HELLO");
    master_->send(proto::stream_end{open.stream});
    EXPECT_EQ(first.get().output, "HELLO");

    // No data or end followed the first open: the next frame is the second call's open. Input
    // that is not ASCII, or over 4 KiB, goes as data frames and an end as before.
    for (const std::string& input : {std::string("\xc3\xa9t\xc3\xa9"), std::string(4097, 'x')}) {
        auto next = call("echo", input);
        std::string data;
        const auto plain = std::get<proto::stream_open>(next_control(&data));
        EXPECT_TRUE(data.empty());
        EXPECT_FALSE(plain.input.has_value());
        EXPECT_FALSE(plain.end);
        const auto end = std::get<proto::stream_end>(next_control(&data));
        EXPECT_EQ(end.stream, plain.stream);
        EXPECT_EQ(data, input);
        master_->send(proto::stream_end{plain.stream});
        EXPECT_EQ(next.get().status, "ok");
    }
}

TEST_F(stream_test, stream_ids_are_unique_per_connection) {
    auto first = call("echo", "");
    auto second = call("echo", "");
    const auto a = std::get<proto::stream_open>(next_control());
    next_control();  // its end
    const auto b = std::get<proto::stream_open>(next_control());
    EXPECT_NE(a.stream, b.stream);
    master_->send(proto::stream_end{b.stream});
    master_->send(proto::stream_end{a.stream});
    EXPECT_EQ(first.get().status, "ok");
    EXPECT_EQ(second.get().status, "ok");
}

TEST_F(stream_test, an_action_the_master_did_not_advertise_fails_without_a_round_trip) {
    const call_result r = call("reboot", "").get();
    EXPECT_EQ(r.status, "error");
    EXPECT_EQ(r.error_code, "unknown-action");
    master_->send(proto::ping{});
    EXPECT_EQ(master_->read_message(), proto::message(proto::pong{}));  // nothing was sent
}

TEST_F(stream_test, an_unknown_master_is_not_found) {
    auto promise = std::make_shared<std::promise<call_result>>();
    call_request r;
    r.master_id = std::string(32, '0');
    r.action = "echo";
    center_->call(r, [promise](call_result res) { promise->set_value(res); });
    EXPECT_EQ(promise->get_future().get().status, "not-found");
}

TEST_F(stream_test, the_masters_error_fails_the_call_with_its_code_and_message) {
    auto result = call("echo", "x");
    const auto open = std::get<proto::stream_open>(next_control());
    master_->send(proto::stream_error{open.stream, "action-failed", "disk on fire"});
    const call_result r = result.get();
    EXPECT_EQ(r.status, "error");
    EXPECT_EQ(r.error_code, "action-failed");
    EXPECT_EQ(r.error_message, "disk on fire");
}

TEST_F(stream_test, a_deadline_fails_the_call_and_tells_the_master) {
    auto result = call("slow", "", 200ms);
    const auto open = std::get<proto::stream_open>(next_control());
    next_control();  // end of the (empty) input
    const call_result r = result.get();
    EXPECT_EQ(r.status, "timeout");
    const auto error = std::get<proto::stream_error>(next_control());
    EXPECT_EQ(error.stream, open.stream);
    EXPECT_EQ(error.code, "timeout");
}

TEST_F(stream_test, a_master_that_disconnects_fails_its_open_streams) {
    auto result = call("slow", "");
    next_control();
    master_.reset();
    const call_result r = result.get();
    EXPECT_EQ(r.status, "disconnected");
    EXPECT_EQ(r.error_code, "master-disconnected");
}

TEST_F(stream_test, the_center_sends_no_more_than_the_window_before_credit) {
    std::string input(1024 * 1024, '\0');
    for (std::size_t i = 0; i < input.size(); ++i) {
        input[i] = static_cast<char>(i * 7 + i / 251);
    }
    auto result = call("echo", input);
    const auto open = std::get<proto::stream_open>(next_control());
    std::string received;
    while (received.size() < proto::streams::initial_window) {
        ws_read r = master_->read();
        ASSERT_EQ(r.what, ws_read::kind::binary);
        received.append(proto::decode_data_frame(r.data)->payload);
    }
    EXPECT_EQ(received.size(), proto::streams::initial_window);
    EXPECT_EQ(master_->read(200ms).what, ws_read::kind::timeout) << "sent beyond the window";

    master_->send(proto::stream_credit{open.stream, input.size()});
    const auto end = std::get<proto::stream_end>(next_control(&received));
    EXPECT_EQ(end.stream, open.stream);
    EXPECT_EQ(received, input);
    master_->send(proto::stream_end{open.stream});
    EXPECT_EQ(result.get().status, "ok");
}

TEST_F(stream_test, the_center_credits_what_it_consumes) {
    auto result = call("echo", "");
    const auto open = std::get<proto::stream_open>(next_control());
    next_control();  // end of input
    const std::string output(1024 * 1024 + 17, 'o');
    std::uint64_t credit = proto::streams::initial_window;
    std::size_t sent = 0;
    while (sent < output.size()) {
        const std::size_t chunk =
            std::min<std::size_t>({proto::streams::max_data_payload, output.size() - sent, credit});
        if (chunk == 0) {
            const auto more = std::get<proto::stream_credit>(next_control());
            EXPECT_EQ(more.stream, open.stream);
            credit += more.bytes;
            continue;
        }
        send_data(open.stream, std::string_view(output).substr(sent, chunk));
        sent += chunk;
        credit -= chunk;
    }
    master_->send(proto::stream_end{open.stream});
    const call_result r = result.get();
    EXPECT_EQ(r.status, "ok");
    EXPECT_EQ(r.output, output);
}

TEST_F(stream_test, output_over_the_limit_fails_the_call_instead_of_being_cut) {
    auto promise = std::make_shared<std::promise<call_result>>();
    call_request request;
    request.master_id = id_;
    request.action = "echo";
    request.max_output = 10;
    center_->call(request, [promise](call_result res) { promise->set_value(res); });
    const auto open = std::get<proto::stream_open>(next_control());
    next_control();
    send_data(open.stream, "0123456789abc");
    const call_result r = promise->get_future().get();
    EXPECT_EQ(r.status, "error");
    EXPECT_EQ(r.error_code, "output-too-large");
    EXPECT_TRUE(r.output.empty());
    const auto error = std::get<proto::stream_error>(next_control());
    EXPECT_EQ(error.code, "output-too-large");
}

TEST_F(stream_test, many_concurrent_streams_do_not_mix_their_data) {
    constexpr int count = 20;
    std::vector<std::future<call_result>> results;
    for (int i = 0; i < count; ++i) {
        results.push_back(call("echo", "input-" + std::to_string(i)));
    }
    std::map<proto::stream_id, std::string> inputs;
    int ended = 0;
    while (ended < count) {
        ws_read r = master_->read();
        if (r.what == ws_read::kind::binary) {
            auto frame = proto::decode_data_frame(r.data);
            inputs[frame->stream].append(frame->payload);
        } else {
            auto m = proto::decode(r.data).value();
            if (std::holds_alternative<proto::stream_end>(m)) {
                ++ended;
            }
        }
    }
    // Answer in reverse order, interleaved.
    for (auto it = inputs.rbegin(); it != inputs.rend(); ++it) {
        send_data(it->first, "out:");
    }
    for (auto it = inputs.rbegin(); it != inputs.rend(); ++it) {
        send_data(it->first, it->second);
        master_->send(proto::stream_end{it->first});
    }
    for (int i = 0; i < count; ++i) {
        const call_result r = results[i].get();
        EXPECT_EQ(r.output, "out:input-" + std::to_string(i));
    }
}

TEST_F(stream_test, admin_api_runs_an_action_and_reports_the_result) {
    std::thread operator_thread;
    http_result answer;
    operator_thread = std::thread([&] {
        answer = admin(http::verb::post, "/v1/masters/" + id_ + "/actions/echo",
                       R"({"args":{"k":1},"input":"ping","timeout_ms":5000})");
    });
    const auto open = std::get<proto::stream_open>(next_control());
    std::string input;
    next_control(&input);
    EXPECT_EQ(input, "ping");
    send_data(open.stream, "pong");
    master_->send(proto::stream_end{open.stream});
    operator_thread.join();
    ASSERT_EQ(answer.status, 200u) << answer.body;
    const json::value body = answer.json();
    EXPECT_EQ(body.at("status"), "ok");
    EXPECT_EQ(body.at("output"), "pong");
    EXPECT_EQ(body.at("master"), id_.c_str());
    EXPECT_EQ(body.at("job").as_string().size(), 16u);
}

TEST_F(stream_test, admin_api_maps_failures_to_statuses) {
    auto unknown_action = admin(http::verb::post, "/v1/masters/" + id_ + "/actions/reboot", "{}");
    EXPECT_EQ(unknown_action.status, 404u);
    EXPECT_EQ(unknown_action.json().at("error").at("code"), "unknown-action");

    auto unknown_master =
        admin(http::verb::post, "/v1/masters/" + std::string(32, 'f') + "/actions/echo", "");
    EXPECT_EQ(unknown_master.status, 404u);

    auto timeout =
        admin(http::verb::post, "/v1/masters/" + id_ + "/actions/slow", R"({"timeout_ms":100})");
    EXPECT_EQ(timeout.status, 504u);
    EXPECT_EQ(timeout.json().at("status"), "timeout");

    EXPECT_EQ(admin(http::verb::get, "/v1/masters/" + id_ + "/actions/echo").status, 405u);
    EXPECT_EQ(
        admin(http::verb::post, "/v1/masters/" + id_ + "/actions/echo", R"({"input":5})").status,
        400u);
    EXPECT_EQ(
        http_call(admin_ep(), http::verb::post, "/v1/masters/" + id_ + "/actions/echo").status,
        401u);
}

TEST_F(stream_test, binary_output_comes_back_base64_encoded) {
    std::thread operator_thread;
    http_result answer;
    operator_thread = std::thread(
        [&] { answer = admin(http::verb::post, "/v1/masters/" + id_ + "/actions/echo", "{}"); });
    const auto open = std::get<proto::stream_open>(next_control());
    next_control();
    send_data(open.stream, std::string("\xff\x00\x01", 3));
    master_->send(proto::stream_end{open.stream});
    operator_thread.join();
    ASSERT_EQ(answer.status, 200u);
    EXPECT_EQ(answer.json().at("output_base64"), "/wAB");
}

}  // namespace
}  // namespace regcenter::test
