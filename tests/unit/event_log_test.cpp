// The event log: indexes, bounded history with an explicit "too old", filters, and
// subscriptions that miss nothing between the backlog and the live events.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "event_log.hpp"

namespace regcenter {
namespace {

namespace json = boost::json;

TEST(event_log, indexes_count_up_and_since_returns_what_came_after) {
    event_log log(100);
    EXPECT_EQ(log.last_index(), 0u);
    EXPECT_EQ(log.publish("master-authenticated", {{"master", "a"}}), 1u);
    EXPECT_EQ(log.publish("service-registered", {{"master", "a"}, {"service", "http"}}), 2u);
    EXPECT_EQ(log.publish("master-disconnected", {{"master", "a"}, {"reason", "left"}}), 3u);
    auto after1 = log.since(1);
    ASSERT_TRUE(after1);
    ASSERT_EQ(after1->size(), 2u);
    EXPECT_EQ((*after1)[0]->index, 2u);
    const auto whole = json::parse((*after1)[0]->json());
    EXPECT_EQ(whole.at("type"), "service-registered");
    EXPECT_EQ(whole.at("service"), "http");
    EXPECT_EQ(whole.at("index").as_int64(), 2);
    EXPECT_TRUE(whole.as_object().contains("at"));
    EXPECT_TRUE(log.since(3)->empty());
    EXPECT_TRUE(log.since(99)->empty());  // ahead of the log: nothing yet
}

TEST(event_log, an_index_older_than_the_history_is_said_to_be_too_old) {
    event_log log(3);
    for (int i = 0; i < 10; ++i) {
        log.publish("tokens-changed", {});
    }
    EXPECT_EQ(log.first_index(), 8u);
    EXPECT_FALSE(log.since(0));  // events 1..7 are gone: the watcher must re-list
    EXPECT_FALSE(log.since(6));
    ASSERT_TRUE(log.since(7));  // 8, 9, 10 are all still here
    EXPECT_EQ(log.since(7)->size(), 3u);
}

TEST(event_log, filters_by_type_and_service) {
    event_log log;
    log.publish("service-registered", {{"service", "http"}});
    log.publish("service-registered", {{"service", "db"}});
    log.publish("master-disconnected", {{"master", "a"}});
    event_filter types;
    types.types = {"master-disconnected"};
    EXPECT_EQ(log.since(0, types)->size(), 1u);
    event_filter services;
    services.services = {"db"};
    ASSERT_EQ(log.since(0, services)->size(), 1u);
    EXPECT_EQ(log.since(0, services)->at(0)->index, 2u);
}

// Job events are published with a builder: it runs once, when the data is first read, and not
// at all for an event nobody reads.
TEST(event_log, lazily_published_data_is_built_once_and_only_when_read) {
    event_log log;
    int built = 0;
    const auto builder = [&built](std::string service) {
        return [&built, service] {
            ++built;
            return json::object{{"service", service}};
        };
    };
    log.publish_lazily("service-registered", builder("http"));
    log.publish_lazily("service-registered", builder("db"));
    log.publish_lazily("service-registered", builder("never-read"));
    EXPECT_EQ(built, 0);

    event_filter services;
    services.services = {"db"};
    const auto matched = log.since(0, services);  // the filter reads every event's data
    ASSERT_EQ(matched->size(), 1u);
    EXPECT_EQ(matched->at(0)->index, 2u);
    EXPECT_EQ(built, 3);
    EXPECT_EQ(json::parse(matched->at(0)->json()).at("service"), "db");
    EXPECT_EQ(matched->at(0)->data().at("service"), "db");
    EXPECT_EQ(built, 3);  // not again

    log.publish_lazily("job-started", builder("unread"));
    EXPECT_EQ(log.since(3)->size(), 1u);  // no filter: listed without building
    EXPECT_EQ(built, 3);
}

TEST(event_log, a_subscription_continues_exactly_where_its_backlog_ends) {
    event_log log;
    log.publish("a", {});
    log.publish("b", {});
    std::vector<std::uint64_t> live;
    std::optional<std::vector<event_ptr>> backlog;
    const auto id =
        log.subscribe(1, backlog, [&](const event_ptr& e) { live.push_back(e->index); });
    ASSERT_TRUE(backlog);
    ASSERT_EQ(backlog->size(), 1u);
    EXPECT_EQ(backlog->at(0)->index, 2u);
    log.publish("c", {});
    log.publish("d", {});
    EXPECT_EQ(live, (std::vector<std::uint64_t>{3, 4}));
    EXPECT_EQ(log.subscribers(), 1u);
    log.unsubscribe(id);
    log.publish("e", {});
    EXPECT_EQ(live.size(), 2u);
    EXPECT_EQ(log.subscribers(), 0u);
}

TEST(event_log, watch_reports_the_history_bounds_and_refuses_what_it_cannot_continue) {
    event_log log(3);
    std::vector<std::uint64_t> live;
    const auto record = [&](const event_ptr& e) { live.push_back(e->index); };

    // Before any event: from now, or since 0, both fine.
    auto empty = log.watch(std::nullopt, {}, record);
    EXPECT_FALSE(empty.too_old);
    EXPECT_EQ(empty.last_index, 0u);
    EXPECT_EQ(empty.first_index, 1u);
    log.unsubscribe(empty.subscriber);

    for (int i = 0; i < 5; ++i) {
        log.publish(i % 2 == 0 ? "service-registered" : "tokens-changed",
                    {{"service", "s" + std::to_string(i)}});
    }
    // History holds 3, 4, 5.
    const auto now = log.watch(std::nullopt, {}, record);
    EXPECT_FALSE(now.too_old);
    EXPECT_NE(now.subscriber, 0u);
    EXPECT_EQ(now.first_index, 3u);
    EXPECT_EQ(now.last_index, 5u);
    EXPECT_TRUE(now.backlog.empty());

    event_filter registered;
    registered.types = {"service-registered"};
    const auto resumed = log.watch(2, registered, record);
    EXPECT_FALSE(resumed.too_old);
    ASSERT_EQ(resumed.backlog.size(), 2u);  // 3 and 5; 4 is filtered out
    EXPECT_EQ(resumed.backlog[0]->index, 3u);
    EXPECT_EQ(resumed.backlog[1]->index, 5u);
    EXPECT_EQ(log.subscribers(), 2u);

    const auto gone = log.watch(1, {}, record);  // 2 has left the history
    EXPECT_TRUE(gone.too_old);
    EXPECT_EQ(gone.subscriber, 0u);
    const auto ahead = log.watch(6, {}, record);  // from an earlier run of the center
    EXPECT_TRUE(ahead.too_old);
    EXPECT_EQ(ahead.last_index, 5u);
    EXPECT_EQ(log.subscribers(), 2u);  // neither refusal subscribed

    log.publish("tokens-changed", {});
    EXPECT_EQ(live, (std::vector<std::uint64_t>{6, 6}));  // the listeners get every event
    log.unsubscribe(now.subscriber);
    log.unsubscribe(resumed.subscriber);
    EXPECT_EQ(log.subscribers(), 0u);
}

}  // namespace
}  // namespace regcenter
