// The admin HTTP API over loopback: auth, masters, kick, tokens.
#include <boost/json.hpp>

#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

#include "regcenter/common/sha256.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;

class admin_api_test : public center_test {
  protected:
    void SetUp() override { start_center(); }
};

TEST_F(admin_api_test, healthz_needs_no_token) {
    auto r = http_call(admin_ep(), http::verb::get, "/healthz");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.json(), json::parse(R"({"status":"ok"})"));
}

// A HEAD answer is the GET's headers without the body: a body would be read as the start of
// the next response on a kept-alive connection.
TEST_F(admin_api_test, head_healthz_has_the_headers_of_get_and_no_body) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect(admin_ep());
    const std::string request = "HEAD /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    net::write(socket, net::buffer(request));
    std::string response;
    beast::error_code ec;
    for (char chunk[4096];;) {
        const std::size_t n = socket.read_some(net::buffer(chunk), ec);
        response.append(chunk, n);
        if (ec) {
            break;
        }
    }
    EXPECT_EQ(ec, net::error::eof);
    ASSERT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
    const auto end_of_headers = response.find("\r\n\r\n");
    ASSERT_NE(end_of_headers, std::string::npos) << response;
    EXPECT_EQ(response.size(), end_of_headers + 4) << "a body followed: " << response;
    const std::string get_body = http_call(admin_ep(), http::verb::get, "/healthz").body;
    EXPECT_NE(response.find("Content-Length: " + std::to_string(get_body.size())),
              std::string::npos)
        << response;
}

TEST_F(admin_api_test, everything_else_needs_the_bearer_token) {
    for (const char* target : {"/v1/masters", "/v1/tokens", "/v1/masters/abc", "/nowhere"}) {
        SCOPED_TRACE(target);
        auto none = http_call(admin_ep(), http::verb::get, target);
        EXPECT_EQ(none.status, 401u);
        EXPECT_EQ(none.json().at("error").at("code"), "unauthorized");
        auto wrong = http_call(admin_ep(), http::verb::get, target, "not-the-admin-token");
        EXPECT_EQ(wrong.status, 401u);
    }
    // A master token is not an admin token.
    EXPECT_EQ(http_call(admin_ep(), http::verb::get, "/v1/masters", master_token).status, 401u);
}

TEST_F(admin_api_test, masters_are_listed_with_their_details_and_vanish_on_close) {
    auto client = std::make_unique<ws_client>(masters_ep());
    const std::string id = client->authenticate(master_token, "web-1", {{"zone", "eu-1"}});

    auto list = admin(http::verb::get, "/v1/masters");
    ASSERT_EQ(list.status, 200u);
    const json::value body = list.json();
    const json::array& masters = body.at("masters").as_array();
    ASSERT_EQ(masters.size(), 1u);
    const json::object& m = masters[0].as_object();
    EXPECT_EQ(m.at("id"), id.c_str());
    EXPECT_EQ(m.at("name"), "web-1");
    EXPECT_EQ(m.at("labels"), json::parse(R"({"zone":"eu-1"})"));
    EXPECT_EQ(m.at("remote").as_string(),
              "127.0.0.1:" + std::to_string(client->local_endpoint().port()));
    for (const char* field : {"connected_at", "last_seen_at"}) {
        const std::string when(m.at(field).as_string());
        EXPECT_EQ(when.size(), 24u) << when;  // 2026-11-25T12:53:21.042Z
        EXPECT_EQ(when.back(), 'Z');
    }

    auto one = admin(http::verb::get, "/v1/masters/" + id);
    ASSERT_EQ(one.status, 200u);
    EXPECT_EQ(one.json().at("id"), id.c_str());

    client.reset();
    EXPECT_TRUE(wait_for([&] {
        return admin(http::verb::get, "/v1/masters").json().at("masters").as_array().empty();
    }));
    EXPECT_EQ(admin(http::verb::get, "/v1/masters/" + id).status, 404u);
}

TEST_F(admin_api_test, delete_kicks_the_master_with_4001) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    auto r = admin(http::verb::delete_, "/v1/masters/" + id);
    EXPECT_EQ(r.status, 204u);
    EXPECT_EQ(client.wait_closed(), proto::close_code::kicked);
    EXPECT_TRUE(admin(http::verb::get, "/v1/masters").json().at("masters").as_array().empty());
    auto again = admin(http::verb::delete_, "/v1/masters/" + id);
    EXPECT_EQ(again.status, 404u);
    EXPECT_EQ(again.json().at("error").at("code"), "master-not-found");
}

TEST_F(admin_api_test, tokens_are_listed_by_fingerprint_only) {
    auto r = admin(http::verb::get, "/v1/tokens");
    ASSERT_EQ(r.status, 200u);
    EXPECT_EQ(r.body.find(master_token), std::string::npos);
    const json::value body = r.json();
    const json::array& tokens = body.at("tokens").as_array();
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(tokens[0].at("fingerprint"), token_fingerprint(master_token).c_str());
}

TEST_F(admin_api_test, add_token_is_idempotent_and_lets_new_masters_in) {
    ws_client before(masters_ep());
    before.send(proto::auth{"new-token", std::nullopt, {}});
    EXPECT_TRUE(std::holds_alternative<proto::auth_failed>(before.read_message()));

    auto added = admin(http::verb::post, "/v1/tokens", R"({"token":"new-token"})");
    EXPECT_EQ(added.status, 201u);
    EXPECT_EQ(added.json().at("fingerprint"), token_fingerprint("new-token").c_str());
    EXPECT_EQ(admin(http::verb::post, "/v1/tokens", R"({"token":"new-token"})").status, 200u);
    EXPECT_EQ(admin(http::verb::get, "/v1/tokens").json().at("tokens").as_array().size(), 2u);

    EXPECT_EQ(before.authenticate("new-token").size(), 32u);
}

TEST_F(admin_api_test, remove_and_replace_tokens_keep_live_sessions) {
    ws_client live(masters_ep());
    const std::string id = live.authenticate(master_token);

    const std::string fp = token_fingerprint(master_token);
    EXPECT_EQ(admin(http::verb::delete_, "/v1/tokens/" + fp).status, 204u);
    EXPECT_EQ(admin(http::verb::delete_, "/v1/tokens/" + fp).status, 404u);
    ws_client late(masters_ep());
    late.send(proto::auth{master_token, std::nullopt, {}});
    EXPECT_TRUE(std::holds_alternative<proto::auth_failed>(late.read_message()));

    auto replaced = admin(http::verb::put, "/v1/tokens", R"({"tokens":["a-token","b-token"]})");
    ASSERT_EQ(replaced.status, 200u);
    EXPECT_EQ(replaced.json().at("tokens").as_array().size(), 2u);
    EXPECT_EQ(late.authenticate("b-token").size(), 32u);

    EXPECT_TRUE(center_->master(id).has_value());
    live.send(proto::ping{});
    EXPECT_EQ(live.read_message(), proto::message(proto::pong{}));
}

TEST_F(admin_api_test, bad_requests_are_explained) {
    auto not_json = admin(http::verb::post, "/v1/tokens", "{nope");
    EXPECT_EQ(not_json.status, 400u);
    EXPECT_EQ(not_json.json().at("error").at("code"), "bad-request");
    EXPECT_EQ(admin(http::verb::post, "/v1/tokens", R"({"token":""})").status, 400u);
    EXPECT_EQ(admin(http::verb::post, "/v1/tokens", R"({"token":5})").status, 400u);
    EXPECT_EQ(admin(http::verb::put, "/v1/tokens", R"({"tokens":"x"})").status, 400u);
    EXPECT_EQ(admin(http::verb::put, "/v1/tokens", R"({"tokens":[""]})").status, 400u);
    // A rejected replace changes nothing.
    EXPECT_EQ(admin(http::verb::get, "/v1/tokens").json().at("tokens").as_array().size(), 1u);

    auto wrong_method = admin(http::verb::post, "/v1/masters");
    EXPECT_EQ(wrong_method.status, 405u);
    EXPECT_EQ(wrong_method.raw[http::field::allow], "GET");
    EXPECT_EQ(admin(http::verb::get, "/v1/nothing").status, 404u);
}

TEST_F(admin_api_test, an_oversized_body_is_refused) {
    const std::string huge(2 * 1024 * 1024, 'x');
    auto r = admin(http::verb::post, "/v1/tokens", R"({"token":")" + huge + "\"}");
    EXPECT_EQ(r.status, 413u);
}

TEST(admin_api_disabled, without_an_admin_token_only_healthz_answers) {
    center_options o = test_options();
    o.admin_token.clear();
    center c(o);
    c.start();
    EXPECT_EQ(http_call(c.admin_endpoint(), http::verb::get, "/healthz").status, 200u);
    auto r = http_call(c.admin_endpoint(), http::verb::get, "/v1/masters", "anything");
    EXPECT_EQ(r.status, 401u);
    EXPECT_NE(r.body.find("admin.token"), std::string::npos);
    c.stop();
}

}  // namespace
}  // namespace regcenter::test
