// Authentication over real sockets: success, failures, limits, timeouts and pre-auth commands.
#include <regex>

#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

#include "regcenter/proto/protocol.hpp"

namespace regcenter::test {
namespace {

class auth_test : public center_test {
  protected:
    void SetUp() override { start_center(); }
};

TEST_F(auth_test, success_assigns_a_random_session_id_and_announces_the_heartbeat) {
    ws_client client(masters_ep());
    client.send(proto::auth{master_token, "node-1", {{"zone", "eu-1"}}});
    const proto::message reply = client.read_message();
    const auto* ok = std::get_if<proto::auth_success>(&reply);
    ASSERT_NE(ok, nullptr) << proto::encode(reply);
    EXPECT_EQ(ok->message, "Authentication successful");
    EXPECT_TRUE(std::regex_match(ok->session, std::regex("[0-9a-f]{32}"))) << ok->session;
    EXPECT_DOUBLE_EQ(ok->heartbeat, 5.0);

    const auto info = center_->master(ok->session);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->name, "node-1");
    EXPECT_EQ(info->labels.at("zone"), "eu-1");
    EXPECT_EQ(info->remote, "127.0.0.1:" + std::to_string(client.local_endpoint().port()));

    ws_client other(masters_ep());
    EXPECT_NE(other.authenticate(master_token), ok->session);
}

TEST_F(auth_test, wrong_token_fails_and_the_master_may_retry_on_the_same_connection) {
    ws_client client(masters_ep());
    client.send(proto::auth{"wrong", "node", {}});
    EXPECT_EQ(client.read_message(),
              proto::message(proto::auth_failed{"Invalid authentication token"}));
    EXPECT_TRUE(center_->masters().empty());
    EXPECT_EQ(client.authenticate(master_token).size(), 32u);
    EXPECT_EQ(center_->masters().size(), 1u);
}

TEST_F(auth_test, missing_token_is_an_invalid_token) {
    ws_client client(masters_ep());
    client.send_text(R"({"cmd":"auth","name":"no-token"})");
    EXPECT_EQ(client.read_message(),
              proto::message(proto::auth_failed{"Invalid authentication token"}));
}

TEST_F(auth_test, commands_before_auth_are_refused_without_counting_as_failures) {
    ws_client client(masters_ep());
    for (int i = 0; i < 5; ++i) {  // more than max_failures
        client.send_text(R"({"cmd":"register","services":[]})");
        EXPECT_EQ(client.read_message(),
                  proto::message(proto::auth_failed{"Authentication required"}));
    }
    client.send(proto::ping{});
    EXPECT_EQ(client.read_message(), proto::message(proto::pong{}));
    EXPECT_EQ(client.authenticate(master_token).size(), 32u);
}

TEST_F(auth_test, too_many_failures_close_with_1008) {
    ws_client client(masters_ep());
    for (unsigned i = 0; i < options_.auth_max_failures; ++i) {
        client.send(proto::auth{"wrong", std::nullopt, {}});
        EXPECT_EQ(client.read_message(),
                  proto::message(proto::auth_failed{"Invalid authentication token"}));
    }
    EXPECT_EQ(client.wait_closed(), proto::close_code::policy_violation);
}

TEST_F(auth_test, second_auth_is_a_bad_request_and_keeps_the_session) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    client.send(proto::auth{master_token, "again", {}});
    const proto::message reply = client.read_message();
    const auto* e = std::get_if<proto::error>(&reply);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->code, "bad-request");
    EXPECT_TRUE(center_->master(id).has_value());
}

class auth_timeout_test : public center_test {
  protected:
    void SetUp() override {
        options_.auth_timeout = std::chrono::milliseconds(200);
        start_center();
    }
};

TEST_F(auth_timeout_test, no_auth_in_time_closes_with_1008) {
    ws_client client(masters_ep());
    ws_read r;
    do {
        r = client.read(std::chrono::seconds(5));
    } while (r.what == ws_read::kind::text);
    ASSERT_EQ(r.what, ws_read::kind::closed);
    EXPECT_EQ(r.close_code, proto::close_code::policy_violation);
    EXPECT_EQ(r.close_reason, "authentication timeout");
    EXPECT_TRUE(wait_for([&] { return center_->state().sessions().connection_count() == 0; }));
}

TEST_F(auth_timeout_test, authenticated_sessions_are_not_subject_to_the_auth_timeout) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    const auto r = client.read(std::chrono::milliseconds(600));  // 3 auth timeouts
    EXPECT_EQ(r.what, ws_read::kind::timeout);
    EXPECT_TRUE(center_->master(id).has_value());
}

TEST_F(auth_timeout_test, a_connection_that_never_upgrades_is_dropped) {
    net::io_context ioc;
    tcp::socket raw(ioc);
    raw.connect(masters_ep());
    char byte;
    beast::error_code ec;
    raw.read_some(net::buffer(&byte, 1), ec);  // returns when the center gives up on us
    EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
}

}  // namespace
}  // namespace regcenter::test
