// Discovery by masters (proto-spec/services.md sections 5-7): discover, subscriptions with
// their snapshot, updates and filters, refusals, and the list of other centers after auth.
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

class discovery_test : public center_test {
  protected:
    void SetUp() override { start_center(); }

    // A raw master that registered `services` (a JSON array); returns its session id.
    std::string join(ws_client& client, const std::string& name, const std::string& services,
                     proto::label_map labels = {}) {
        const std::string id = client.authenticate(master_token, name, std::move(labels));
        if (!services.empty()) {
            client.send_text(R"({"cmd":"register","services":)" + services + "}");
            std::get<proto::registered>(client.read_message());
        }
        return id;
    }

    static proto::service_update update(ws_client& client) {
        auto m = client.read_message();
        if (auto* u = std::get_if<proto::service_update>(&m)) {
            return *u;
        }
        ADD_FAILURE() << "expected service-update, got " << proto::encode(m);
        return {};
    }
};

TEST_F(discovery_test, discover_answers_with_the_matching_instances) {
    ws_client a(masters_ep());
    ws_client b(masters_ep());
    ws_client asker(masters_ep());
    const std::string ida = join(a, "web-1",
                                 R"([{"name":"http","version":"1","endpoints":["h1:80"],)"
                                 R"("metadata":{"zone":"eu"}}])",
                                 {{"rack", "r1"}});
    join(b, "web-2", R"([{"name":"http","version":"2","metadata":{"zone":"us"}}])");
    join(asker, "asker", "");

    asker.send_text(R"({"cmd":"discover","id":1,"service":"http"})");
    auto all = std::get<proto::discover_result>(asker.read_message());
    EXPECT_EQ(all.id, json::value(1));
    EXPECT_EQ(all.service, "http");
    EXPECT_TRUE(all.code.empty());
    EXPECT_EQ(all.instances.size(), 2u);

    asker.send_text(R"({"cmd":"discover","id":"q","service":"http","metadata":{"zone":"eu"}})");
    auto eu = std::get<proto::discover_result>(asker.read_message());
    EXPECT_EQ(eu.id, json::value("q"));
    ASSERT_EQ(eu.instances.size(), 1u);
    const proto::service_instance& i = eu.instances[0];
    EXPECT_EQ(i.master, ida);
    EXPECT_EQ(i.master_name, "web-1");
    EXPECT_EQ(i.labels, (proto::label_map{{"rack", "r1"}}));
    EXPECT_EQ(i.service.name, "http");
    EXPECT_EQ(i.service.version, "1");
    EXPECT_EQ(i.service.endpoints, std::vector<std::string>{"h1:80"});
    EXPECT_FALSE(i.remote.empty());

    asker.send_text(R"({"cmd":"discover","service":"http","labels":{"rack":"r9"}})");
    EXPECT_TRUE(std::get<proto::discover_result>(asker.read_message()).instances.empty());
    asker.send_text(R"({"cmd":"discover","service":"nothing"})");
    EXPECT_TRUE(std::get<proto::discover_result>(asker.read_message()).instances.empty());

    asker.send_text(R"({"cmd":"discover","id":2,"service":"bad name"})");
    auto bad = std::get<proto::discover_result>(asker.read_message());
    EXPECT_EQ(bad.code, "invalid-name");
    EXPECT_EQ(bad.id, json::value(2));

    // Malformed queries are bad requests and the session stays usable.
    asker.send_text(R"({"cmd":"discover","id":3})");
    EXPECT_EQ(std::get<proto::error>(asker.read_message()).code, "bad-request");
    asker.send_text(R"({"cmd":"discover","service":"http","metadata":{"zone":1}})");
    EXPECT_EQ(std::get<proto::error>(asker.read_message()).code, "bad-request");
    asker.send_text(R"({"cmd":"discover","service":"http"})");
    EXPECT_EQ(std::get<proto::discover_result>(asker.read_message()).instances.size(), 2u);
}

TEST_F(discovery_test, a_subscription_gets_a_snapshot_then_every_change) {
    ws_client watcher(masters_ep());
    ws_client a(masters_ep());
    join(watcher, "watcher", "");
    const std::string ida = join(a, "web-1", R"([{"name":"http","version":"1"}])");

    watcher.send_text(R"({"cmd":"subscribe","id":5,"service":"http"})");
    auto snapshot = update(watcher);
    EXPECT_EQ(snapshot.change, "snapshot");
    EXPECT_EQ(snapshot.id, json::value(5));
    ASSERT_EQ(snapshot.instances.size(), 1u);
    EXPECT_EQ(snapshot.instances[0].master, ida);

    ws_client b(masters_ep());
    const std::string idb = join(b, "web-2", R"([{"name":"http","version":"7"}])");
    auto added = update(watcher);
    EXPECT_EQ(added.change, "registered");
    ASSERT_EQ(added.instances.size(), 1u);
    EXPECT_EQ(added.instances[0].master, idb);
    EXPECT_EQ(added.instances[0].service.version, "7");

    a.send_text(R"({"cmd":"register","services":[{"name":"http","version":"2"}]})");
    auto replaced = update(watcher);
    EXPECT_EQ(replaced.change, "registered");
    EXPECT_EQ(replaced.instances.at(0).service.version, "2");

    // Another service's changes don't reach this subscription.
    a.send_text(R"({"cmd":"register","services":[{"name":"other"}]})");
    a.send_text(R"({"cmd":"remove","service":"http"})");
    auto removed = update(watcher);
    EXPECT_EQ(removed.change, "removed");
    EXPECT_EQ(removed.master, ida);
    EXPECT_EQ(removed.reason, "removed");

    b.close();
    auto gone = update(watcher);
    EXPECT_EQ(gone.change, "removed");
    EXPECT_EQ(gone.master, idb);
    EXPECT_EQ(gone.reason, "closed");

    // After unsubscribe nothing more arrives: the next message is the answer to a discover.
    watcher.send_text(R"({"cmd":"unsubscribe","service":"http"})");
    ws_client c(masters_ep());
    join(c, "web-3", R"([{"name":"http"}])");
    watcher.send_text(R"({"cmd":"discover","id":9,"service":"http"})");
    auto answer = std::get<proto::discover_result>(watcher.read_message());
    EXPECT_EQ(answer.id, json::value(9));
    EXPECT_EQ(answer.instances.size(), 1u);
    EXPECT_EQ(center_->state().subscriptions().size(), 0u);
}

TEST_F(discovery_test, a_filtered_subscription_sees_only_matching_instances) {
    ws_client watcher(masters_ep());
    join(watcher, "watcher", "");
    watcher.send_text(R"({"cmd":"subscribe","service":"db","metadata":{"role":"primary"}})");
    EXPECT_TRUE(update(watcher).instances.empty());

    ws_client a(masters_ep());
    const std::string ida = join(a, "db-1", R"([{"name":"db","metadata":{"role":"replica"}}])");
    a.send_text(R"({"cmd":"register","services":[{"name":"db","metadata":{"role":"primary"}}]})");
    auto promoted = update(watcher);  // the replica's registration was not sent
    EXPECT_EQ(promoted.change, "registered");
    EXPECT_EQ(promoted.instances.at(0).master, ida);

    a.send_text(R"({"cmd":"register","services":[{"name":"db","metadata":{"role":"replica"}}]})");
    auto demoted = update(watcher);
    EXPECT_EQ(demoted.change, "removed");
    EXPECT_EQ(demoted.master, ida);
    EXPECT_EQ(demoted.reason, "unmatched");
}

TEST_F(discovery_test, subscriptions_are_refused_with_a_reason_and_end_with_the_session) {
    ws_client watcher(masters_ep());
    join(watcher, "watcher", "");
    watcher.send_text(R"({"cmd":"subscribe","id":1,"service":"no/slash"})");
    auto bad = update(watcher);
    EXPECT_EQ(bad.change, "refused");
    EXPECT_EQ(bad.code, "invalid-name");
    EXPECT_EQ(bad.id, json::value(1));

    for (std::size_t i = 0; i < proto::service_limits::max_subscriptions; ++i) {
        watcher.send_text(R"({"cmd":"subscribe","service":"s)" + std::to_string(i) + R"("})");
        ASSERT_EQ(update(watcher).change, "snapshot");
    }
    // Subscribing again to one of them replaces it; one more is refused.
    watcher.send_text(R"({"cmd":"subscribe","service":"s0","labels":{"a":"b"}})");
    EXPECT_EQ(update(watcher).change, "snapshot");
    watcher.send_text(R"({"cmd":"subscribe","id":2,"service":"one-too-many"})");
    auto refused = update(watcher);
    EXPECT_EQ(refused.change, "refused");
    EXPECT_EQ(refused.code, "too-many-subscriptions");
    EXPECT_NE(refused.message.find("256"), std::string::npos);
    EXPECT_EQ(center_->state().subscriptions().size(), proto::service_limits::max_subscriptions);

    watcher.close();
    EXPECT_TRUE(wait_for([&] { return center_->state().subscriptions().size() == 0; }));
}

TEST_F(discovery_test, before_auth_discovery_is_refused) {
    ws_client raw(masters_ep());
    raw.send_text(R"({"cmd":"subscribe","service":"http"})");
    EXPECT_TRUE(std::holds_alternative<proto::auth_failed>(raw.read_message()));
}

TEST_F(discovery_test, without_cluster_peers_no_center_list_is_sent) {
    ws_client a(masters_ep());
    join(a, "no-peers", "");
    a.send_text(R"({"cmd":"ping"})");
    EXPECT_TRUE(std::holds_alternative<proto::pong>(a.read_message()));
}

class cluster_peers_test : public center_test {
  protected:
    void SetUp() override {
        options_.cluster_peers = {"ws://10.0.0.2:8010", "ws://center-3.example:8010/v1/master"};
        start_center();
    }
};

TEST_F(cluster_peers_test, the_center_tells_masters_that_ask_of_its_peers_after_auth) {
    ws_client a(masters_ep());
    a.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) + R"(","centers":true})");
    EXPECT_TRUE(std::holds_alternative<proto::auth_success>(a.read_message()));
    const auto list = std::get<proto::center_list>(a.read_message());
    EXPECT_EQ(list.centers, options_.cluster_peers);

    // A master that doesn't ask (an older one) never gets a command it may not know.
    ws_client b(masters_ep());
    b.authenticate(master_token, "older");
    b.send_text(R"({"cmd":"ping"})");
    EXPECT_TRUE(std::holds_alternative<proto::pong>(b.read_message()));

    ws_client c(masters_ep());
    c.send_text(R"({"cmd":"auth","token":"x","centers":"yes"})");
    EXPECT_EQ(std::get<proto::error>(c.read_message()).code, "bad-request");
}

}  // namespace
}  // namespace regcenter::test
