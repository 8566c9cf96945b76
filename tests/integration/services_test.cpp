// Services registered by masters (proto-spec/services.md): register, replace, remove, the
// per-entry refusals, the admin queries, and services vanishing with their session.
#include <boost/json.hpp>

#include "center_state.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class services_test : public center_test {
  protected:
    void SetUp() override { start_center(); }

    // A raw master that registered `services` (JSON array text); returns its session id.
    std::string join(ws_client& client, const std::string& name, const std::string& services,
                     proto::label_map labels = {}) {
        const std::string id = client.authenticate(master_token, name, std::move(labels));
        client.send_text(R"({"cmd":"register","id":7,"services":)" + services + "}");
        const auto answer = std::get<proto::registered>(client.read_message());
        EXPECT_EQ(answer.id, json::value(7));
        return id;
    }

    json::value service(const std::string& name, const std::string& query = "") {
        auto res = admin(http::verb::get, "/v1/services/" + name + query);
        EXPECT_EQ(res.status, 200u) << res.body;
        return res.json();
    }

    std::size_t instances_of(const std::string& name) {
        return service(name).at("instances").as_array().size();
    }
};

TEST_F(services_test, registered_services_are_listed_queried_and_filtered) {
    ws_client a(masters_ep());
    ws_client b(masters_ep());
    const std::string ida =
        join(a, "web-1",
             R"([{"name":"http","version":"1.2","endpoints":["http://10.0.0.1:80"],)"
             R"("metadata":{"zone":"eu","tier":"front"}},{"name":"metrics"}])",
             {{"rack", "r1"}});
    join(b, "web-2", R"([{"name":"http","version":"1.3","metadata":{"zone":"us"}}])",
         {{"rack", "r2"}});

    const auto list = admin(http::verb::get, "/v1/services").json();
    EXPECT_EQ(list, json::parse(R"({"services":[{"name":"http","instances":2},)"
                                R"({"name":"metrics","instances":1}]})"));

    const auto eu = service("http", "?meta.zone=eu");
    ASSERT_EQ(eu.at("instances").as_array().size(), 1u);
    const auto& i = eu.at("instances").at(0);
    EXPECT_EQ(json::value_to<std::string>(i.at("master")), ida);
    EXPECT_EQ(json::value_to<std::string>(i.at("master_name")), "web-1");
    EXPECT_EQ(json::value_to<std::string>(i.at("version")), "1.2");
    EXPECT_EQ(i.at("endpoints"), json::parse(R"(["http://10.0.0.1:80"])"));
    EXPECT_EQ(i.at("metadata"), json::parse(R"({"zone":"eu","tier":"front"})"));
    EXPECT_EQ(i.at("labels"), json::parse(R"({"rack":"r1"})"));
    EXPECT_TRUE(i.as_object().contains("registered_at"));
    EXPECT_TRUE(i.as_object().contains("last_seen_at"));

    EXPECT_EQ(service("http", "?label.rack=r2").at("instances").as_array().size(), 1u);
    EXPECT_EQ(service("http", "?meta.zone=eu&meta.tier=front").at("instances").as_array().size(),
              1u);
    EXPECT_EQ(service("http", "?meta.zone=eu&label.rack=r2").at("instances").as_array().size(), 0u);
    EXPECT_EQ(instances_of("nothing"), 0u);

    const auto mine = admin(http::verb::get, "/v1/masters/" + ida + "/services").json();
    EXPECT_EQ(mine.at("services").as_array().size(), 2u);
    EXPECT_EQ(admin(http::verb::get, "/v1/masters/0123/services").status, 404u);
    EXPECT_EQ(admin(http::verb::get, "/v1/services/http?zone=eu").status, 400u);
    EXPECT_EQ(admin(http::verb::get, "/v1/services/bad%20name").status, 400u);
}

TEST_F(services_test, register_replaces_by_name_and_remove_answers_what_it_removed) {
    ws_client a(masters_ep());
    const std::string id = join(a, "m", R"([{"name":"db","version":"1"},{"name":"cache"}])");
    a.send_text(R"({"cmd":"register","services":[{"name":"db","version":"2"}]})");
    std::get<proto::registered>(a.read_message());
    const auto db = service("db").at("instances");
    ASSERT_EQ(db.as_array().size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(db.at(0).at("version")), "2");

    a.send_text(R"({"cmd":"remove","service":"db","id":"r1"})");
    auto removed = std::get<proto::removed>(a.read_message());
    EXPECT_EQ(removed.services, std::vector<std::string>{"db"});
    EXPECT_EQ(removed.id, json::value("r1"));
    a.send_text(R"({"cmd":"remove","service":"db"})");
    EXPECT_TRUE(std::get<proto::removed>(a.read_message()).services.empty());
    a.send_text(R"({"cmd":"remove"})");
    EXPECT_EQ(std::get<proto::removed>(a.read_message()).services,
              std::vector<std::string>{"cache"});
    EXPECT_EQ(admin(http::verb::get, "/v1/masters/" + id + "/services").json().at("services"),
              json::array());
}

TEST_F(services_test, bad_entries_are_refused_one_by_one_and_nothing_else_is_lost) {
    ws_client a(masters_ep());
    a.authenticate(master_token, "m");
    a.send_text(R"({"cmd":"register","services":[{"name":"ok-1"},{"name":"bad name"},)"
                R"({"name":"meta","metadata":{"n":1}},42,{"version":"1"},)"
                R"({"name":"ok-2","endpoints":["a"]}]})");
    const auto answer = std::get<proto::registered>(a.read_message());
    ASSERT_EQ(answer.results.size(), 6u);
    EXPECT_TRUE(answer.results[0].ok);
    EXPECT_EQ(answer.results[1].code, "invalid-name");
    EXPECT_NE(answer.results[1].message.find("A-Z a-z 0-9 . _ -"), std::string::npos);
    EXPECT_EQ(answer.results[2].code, "invalid-service");
    EXPECT_EQ(answer.results[2].name, "meta");
    EXPECT_EQ(answer.results[3].code, "invalid-service");
    EXPECT_EQ(answer.results[4].code, "invalid-name");
    EXPECT_TRUE(answer.results[5].ok);
    EXPECT_EQ(instances_of("ok-1"), 1u);
    EXPECT_EQ(instances_of("ok-2"), 1u);

    // A malformed message is a bad-request, and the session stays usable.
    a.send_text(R"({"cmd":"register","services":{}})");
    const auto err = std::get<proto::error>(a.read_message());
    EXPECT_EQ(err.code, "bad-request");
    a.send(proto::ping{});
    EXPECT_EQ(a.read_message(), proto::message(proto::pong{}));
}

TEST_F(services_test, a_session_may_hold_a_bounded_number_of_services) {
    ws_client a(masters_ep());
    a.authenticate(master_token, "m");
    json::array many;
    for (std::size_t i = 0; i <= proto::service_limits::max_services; ++i) {
        many.push_back(json::object{{"name", "s" + std::to_string(i)}});
    }
    a.send_text(json::serialize(json::object{{"cmd", "register"}, {"services", many}}));
    const auto answer = std::get<proto::registered>(a.read_message(10s));
    ASSERT_EQ(answer.results.size(), proto::service_limits::max_services + 1);
    EXPECT_TRUE(answer.results[proto::service_limits::max_services - 1].ok);
    EXPECT_EQ(answer.results.back().code, "too-many-services");
}

TEST_F(services_test, services_come_with_auth) {
    ws_client a(masters_ep());
    a.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                R"(","services":[{"name":"from-auth"},{"name":"no good"}]})");
    EXPECT_TRUE(std::holds_alternative<proto::auth_success>(a.read_message()));
    const auto answer = std::get<proto::registered>(a.read_message());
    ASSERT_EQ(answer.results.size(), 2u);
    EXPECT_TRUE(answer.results[0].ok);
    EXPECT_FALSE(answer.results[1].ok);
    EXPECT_EQ(instances_of("from-auth"), 1u);
}

TEST_F(services_test, every_change_is_an_event_in_order) {
    event_log& events = center_->state().events();
    const std::uint64_t start = events.last_index();
    {
        ws_client a(masters_ep());
        const std::string id = join(a, "m", R"([{"name":"http"},{"name":"db"}])");
        a.send_text(R"({"cmd":"remove","service":"db"})");
        std::get<proto::removed>(a.read_message());
        a.send(proto::leave{});
        a.wait_closed();
    }
    std::vector<std::string> seen;
    ASSERT_TRUE(wait_for([&] {
        seen.clear();
        const auto after = events.since(start);  // kept: the loop must not outlive it
        for (const auto& e : *after) {
            const auto j = json::parse(e->json());
            seen.push_back(e->type +
                           (j.as_object().contains("service")
                                ? ":" + json::value_to<std::string>(j.at("service"))
                                : "") +
                           (j.as_object().contains("reason")
                                ? "/" + json::value_to<std::string>(j.at("reason"))
                                : ""));
        }
        return seen.size() >= 6;
    }));
    EXPECT_EQ(seen,
              (std::vector<std::string>{"master-authenticated", "service-registered:http",
                                        "service-registered:db", "service-removed:db/removed",
                                        "master-disconnected/left", "service-removed:http/left"}));
}

TEST_F(services_test, services_vanish_when_the_session_ends_however_it_ends) {
    // Short heartbeats for the eviction case, in this test only: idle clients elsewhere must
    // not be evicted on a slow machine.
    center_->stop();
    options_.heartbeat_interval = 200ms;
    options_.heartbeat_timeout = 600ms;
    start_center();
    auto closing = std::make_unique<ws_client>(masters_ep());
    auto leaving = std::make_unique<ws_client>(masters_ep());
    auto kicked = std::make_unique<ws_client>(masters_ep());
    auto silent = std::make_unique<ws_client>(masters_ep());
    join(*closing, "closing", R"([{"name":"svc"},{"name":"closing-only"}])");
    join(*leaving, "leaving", R"([{"name":"svc"}])");
    const std::string kicked_id = join(*kicked, "kicked", R"([{"name":"svc"}])");
    join(*silent, "silent", R"([{"name":"svc"}])");
    EXPECT_EQ(instances_of("svc"), 4u);

    closing.reset();  // TCP gone
    EXPECT_TRUE(wait_for([&] { return instances_of("svc") == 3u; }));
    EXPECT_EQ(instances_of("closing-only"), 0u);
    leaving->send(proto::leave{});
    EXPECT_TRUE(wait_for([&] { return instances_of("svc") == 2u; }));
    EXPECT_EQ(admin(http::verb::delete_, "/v1/masters/" + kicked_id).status, 204u);
    EXPECT_TRUE(wait_for([&] { return instances_of("svc") == 1u; }));
    // The silent one answers no pings (its client reads nothing): evicted after 600 ms.
    EXPECT_TRUE(wait_for([&] { return instances_of("svc") == 0u; }));
    EXPECT_EQ(admin(http::verb::get, "/v1/services").json().at("services"), json::array());
}

}  // namespace
}  // namespace regcenter::test
