// Actions advertised by masters, and stream frames before any stream is open (actions.md).
#include <boost/json.hpp>

#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;

class actions_test : public center_test {
  protected:
    void SetUp() override { start_center(); }

    void expect_usable(ws_client& client) {
        client.send(proto::ping{});
        EXPECT_EQ(client.read_message(), proto::message(proto::pong{}));
    }
};

TEST_F(actions_test, actions_from_auth_are_shown_and_replaced_by_updates) {
    ws_client client(masters_ep());
    client.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                     R"(","actions":[{"name":"echo","description":"returns its input",)"
                     R"("args_schema":{"type":"string"}}]})");
    const proto::message reply = client.read_message();
    ASSERT_TRUE(std::holds_alternative<proto::auth_success>(reply)) << proto::encode(reply);
    const std::string id = std::get<proto::auth_success>(reply).session;

    auto shown = admin(http::verb::get, "/v1/masters/" + id).json();
    EXPECT_EQ(shown.at("actions"),
              json::parse(R"([{"name":"echo","description":"returns its input",)"
                          R"("args_schema":{"type":"string"}}])"));

    client.send(proto::actions_update{{{"load", "host load", std::nullopt}, {"cat", "", {}}}});
    expect_usable(client);  // the update has been processed once the pong is back
    ASSERT_TRUE(center_->master(id).has_value());
    const auto actions = center_->master(id)->actions;
    ASSERT_TRUE(actions);
    ASSERT_EQ(actions->size(), 2u);
    EXPECT_EQ(actions->at(0).name, "load");
    EXPECT_EQ(actions->at(1).name, "cat");
}

TEST_F(actions_test, an_invalid_action_list_changes_nothing) {
    ws_client client(masters_ep());
    client.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                     R"(","actions":[{"name":"echo"}]})");
    const std::string id = std::get<proto::auth_success>(client.read_message()).session;
    client.send_text(R"({"cmd":"actions","actions":[{"name":"bad name"}]})");
    const proto::message reply = client.read_message();
    ASSERT_TRUE(std::holds_alternative<proto::error>(reply));
    EXPECT_EQ(std::get<proto::error>(reply).code, "bad-request");
    EXPECT_EQ(center_->master(id)->actions->at(0).name, "echo");
}

TEST_F(actions_test, masters_without_actions_show_an_empty_list) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    EXPECT_EQ(admin(http::verb::get, "/v1/masters/" + id).json().at("actions"), json::array());
}

TEST_F(actions_test, stream_frames_for_unknown_streams_are_discarded) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    client.send(proto::stream_credit{5, 1024});
    client.send(proto::stream_end{5});
    client.send(proto::stream_error{5, "action-failed", "x"});
    client.send(proto::stream_close{5});
    client.send_binary(proto::encode_data_frame(5, "late data"));
    expect_usable(client);  // nothing was answered, nothing was closed
    EXPECT_TRUE(center_->master(id).has_value());
}

TEST_F(actions_test, only_the_center_opens_streams) {
    ws_client client(masters_ep());
    client.authenticate(master_token);
    client.send(proto::stream_open{1, "echo", nullptr});
    const proto::message reply = client.read_message();
    ASSERT_TRUE(std::holds_alternative<proto::error>(reply));
    EXPECT_EQ(std::get<proto::error>(reply).code, "bad-request");
    expect_usable(client);
}

TEST_F(actions_test, binary_frames_that_are_not_stream_data_close_with_1003) {
    ws_client wrong_type(masters_ep());
    wrong_type.authenticate(master_token);
    wrong_type.send_binary(std::string("\x02\x00\x00\x00\x01", 5));
    EXPECT_EQ(wrong_type.wait_closed(), proto::close_code::unsupported_data);

    ws_client too_short(masters_ep());
    too_short.authenticate(master_token);
    too_short.send_binary(std::string("\x01\x00", 2));
    EXPECT_EQ(too_short.wait_closed(), proto::close_code::unsupported_data);

    ws_client before_auth(masters_ep());
    before_auth.send_binary(proto::encode_data_frame(1, "x"));
    EXPECT_EQ(before_auth.wait_closed(), proto::close_code::unsupported_data);
}

TEST_F(actions_test, actions_before_auth_require_authentication) {
    ws_client client(masters_ep());
    client.send(proto::actions_update{{{"echo", "", std::nullopt}}});
    EXPECT_EQ(client.read_message(), proto::message(proto::auth_failed{"Authentication required"}));
}

}  // namespace
}  // namespace regcenter::test
