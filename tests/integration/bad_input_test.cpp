// Bad input from a master: each kind gets a clear error or close, and the center stays healthy.
#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

#include "regcenter/proto/protocol.hpp"

namespace regcenter::test {
namespace {

class bad_input_test : public center_test {
  protected:
    void SetUp() override {
        options_.max_message = 1024;
        start_center();
    }

    void expect_error(ws_client& client, std::string_view code) {
        const proto::message m = client.read_message();
        const auto* e = std::get_if<proto::error>(&m);
        ASSERT_NE(e, nullptr) << proto::encode(m);
        EXPECT_EQ(e->code, code);
        EXPECT_FALSE(e->message.empty());
    }

    void expect_usable(ws_client& client) {
        client.send(proto::ping{});
        EXPECT_EQ(client.read_message(), proto::message(proto::pong{}));
    }
};

TEST_F(bad_input_test, malformed_frames_get_bad_request_and_the_session_stays_usable) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    for (const char* frame :
         {"not json", "[1,2]", "42", "{}", R"({"cmd":7})", R"({"cmd":"auth","token":5})",
          R"({"cmd":"ping"} trailing)", "{\"cmd\":\"ping\""}) {
        SCOPED_TRACE(frame);
        client.send_text(frame);
        expect_error(client, "bad-request");
    }
    expect_usable(client);
    EXPECT_TRUE(center_->master(id).has_value());
}

TEST_F(bad_input_test, malformed_frames_before_auth_do_not_count_as_failures) {
    ws_client client(masters_ep());
    for (int i = 0; i < 5; ++i) {
        client.send_text(R"({"cmd":"auth","labels":"zone=eu"})");
        expect_error(client, "bad-request");
    }
    EXPECT_EQ(client.authenticate(master_token).size(), 32u);
}

TEST_F(bad_input_test, unknown_command_names_the_command) {
    ws_client client(masters_ep());
    client.authenticate(master_token);
    client.send_text(R"({"cmd":"teleport","to":"mars"})");
    const proto::message m = client.read_message();
    const auto* e = std::get_if<proto::error>(&m);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->code, "unknown-command");
    EXPECT_NE(e->message.find("teleport"), std::string::npos);
    expect_usable(client);
}

TEST_F(bad_input_test, center_only_commands_from_a_master_are_refused) {
    ws_client client(masters_ep());
    client.authenticate(master_token);
    client.send(proto::auth_success{"x", std::string(32, 'a'), 1});
    expect_error(client, "bad-request");
    expect_usable(client);
}

TEST_F(bad_input_test, oversized_frame_closes_with_1009) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    client.send_text(R"({"cmd":"ping","pad":")" + std::string(2000, 'x') + "\"}");
    EXPECT_EQ(client.wait_closed(), proto::close_code::too_big);
    EXPECT_TRUE(wait_for([&] { return !center_->master(id).has_value(); }));
}

TEST_F(bad_input_test, a_frame_just_under_the_limit_is_accepted) {
    ws_client client(masters_ep());
    client.authenticate(master_token);
    const std::string prefix = R"({"cmd":"ping","pad":")";
    client.send_text(prefix + std::string(1024 - prefix.size() - 2, 'x') + "\"}");
    EXPECT_EQ(client.read_message(), proto::message(proto::pong{}));
}

TEST_F(bad_input_test, binary_frame_closes_with_1003) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    client.send_binary(std::string("\x00\x01\x02", 3));
    EXPECT_EQ(client.wait_closed(), proto::close_code::unsupported_data);
    EXPECT_TRUE(wait_for([&] { return !center_->master(id).has_value(); }));
}

TEST_F(bad_input_test, bad_clients_do_not_disturb_good_ones) {
    ws_client good(masters_ep());
    const std::string id = good.authenticate(master_token);
    {
        ws_client bad(masters_ep());
        bad.send_binary("zz");
        bad.wait_closed();
    }
    {
        ws_client big(masters_ep());
        try {
            big.send_text(std::string(50000, ' '));
        } catch (const std::system_error&) {
            // the center may cut the connection before the whole frame is written
        }
        big.wait_closed();
    }
    expect_usable(good);
    EXPECT_TRUE(center_->master(id).has_value());
}

TEST_F(bad_input_test, wrong_paths_and_plain_http_on_the_master_port) {
    auto not_found = http_call(masters_ep(), http::verb::get, "/v2/master");
    EXPECT_EQ(not_found.status, 404u);
    EXPECT_EQ(not_found.json().at("error").at("code"), "not-found");

    auto plain = http_call(masters_ep(), http::verb::get, "/v1/master");
    EXPECT_EQ(plain.status, 426u);
    EXPECT_EQ(plain.raw[http::field::upgrade], "websocket");

    EXPECT_THROW(ws_client(masters_ep(), "/elsewhere"), std::system_error);
}

}  // namespace
}  // namespace regcenter::test
