// The service index: answers by name among many sessions, keeps counts right through replace
// and removal, and validates entries through the shared proto rules.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "regcenter/proto/service.hpp"
#include "service_index.hpp"

namespace regcenter {
namespace {

service_index::owner master_n(int n) {
    return {"m" + std::to_string(n), "name" + std::to_string(n), "127.0.0.1:1", {{"n", "x"}}};
}

proto::service_info svc(std::string name, proto::label_map metadata = {}) {
    return {std::move(name), "1", {}, std::move(metadata)};
}

TEST(service_index, finds_one_service_among_ten_thousand_sessions) {
    service_index index;
    for (int i = 0; i < 10'000; ++i) {
        // 10 services with 1000 instances each; one in ten instances is in zone "a".
        index.put(master_n(i),
                  svc("svc" + std::to_string(i % 10), {{"zone", i % 100 < 10 ? "a" : "b"}}));
    }
    EXPECT_EQ(index.instance_count(), 10'000u);
    EXPECT_EQ(index.names().size(), 10u);
    EXPECT_EQ(index.names().front(), (std::pair<std::string, std::size_t>{"svc0", 1000}));
    const auto all = index.instances("svc3");
    EXPECT_EQ(all.size(), 1000u);
    instance_filter zone_a;
    zone_a.metadata = {{"zone", "a"}};
    const auto some = index.instances("svc3", zone_a);
    EXPECT_EQ(some.size(), 100u);
    for (const auto& i : some) {
        EXPECT_EQ(i.service.name, "svc3");
        EXPECT_EQ(i.service.metadata.at("zone"), "a");
    }
    instance_filter label;
    label.labels = {{"n", "x"}};
    EXPECT_EQ(index.instances("svc3", label).size(), 1000u);
    label.labels = {{"n", "y"}};
    EXPECT_TRUE(index.instances("svc3", label).empty());
}

TEST(service_index, replace_remove_and_remove_all_keep_the_counts) {
    service_index index;
    EXPECT_EQ(index.put(master_n(1), svc("a")), service_index::put_result::added);
    EXPECT_EQ(index.put(master_n(1), svc("a")), service_index::put_result::replaced);
    index.put(master_n(1), svc("b"));
    index.put(master_n(2), svc("a"));
    EXPECT_EQ(index.instance_count(), 3u);
    EXPECT_TRUE(index.remove("m1", "a"));
    EXPECT_FALSE(index.remove("m1", "a"));
    EXPECT_FALSE(index.remove("m9", "a"));
    EXPECT_EQ(index.instances("a").size(), 1u);
    EXPECT_EQ(index.remove_all("m1"), std::vector<std::string>{"b"});
    EXPECT_TRUE(index.remove_all("m1").empty());
    EXPECT_EQ(index.instance_count(), 1u);
    EXPECT_EQ(index.names(), (std::vector<std::pair<std::string, std::size_t>>{{"a", 1}}));
    EXPECT_EQ(index.of_master("m2").size(), 1u);
}

TEST(service_index, a_session_holds_at_most_the_limit) {
    service_index index;
    for (std::size_t i = 0; i < proto::service_limits::max_services; ++i) {
        ASSERT_EQ(index.put(master_n(1), svc("s" + std::to_string(i))),
                  service_index::put_result::added);
    }
    EXPECT_EQ(index.put(master_n(1), svc("one-more")), service_index::put_result::too_many);
    EXPECT_EQ(index.put(master_n(1), svc("s0")), service_index::put_result::replaced);
}

TEST(service_rules, entries_are_checked_with_messages_that_name_the_limit) {
    namespace json = boost::json;
    auto ok = proto::parse_service(
        json::parse(R"({"name":"a.b_c-1","version":"2","endpoints":["x"],"metadata":{"k":"v"}})"));
    ASSERT_TRUE(ok.service);
    EXPECT_EQ(proto::to_json(*ok.service),
              json::parse(R"({"name":"a.b_c-1","version":"2","endpoints":["x"],)"
                          R"("metadata":{"k":"v"}})"));
    const std::pair<std::string, std::string> bad[] = {
        {R"({"name":""})", "empty"},
        {R"({"name":"a/b"})", "A-Z a-z 0-9 . _ -"},
        {R"({"name":")" + std::string(129, 'x') + R"("})", "longer than 128"},
        {R"({"name":"a","version":1})", "\"version\" must be a string"},
        {R"({"name":"a","endpoints":"x"})", "must be an array"},
        {R"({"name":"a","metadata":{"k":1}})", "metadata \"k\" must be a string"},
        {R"({"name":"a","metadata":{"k":")" + std::string(1025, 'v') + R"("}})",
         "longer than 1024"},
        {R"(["a"])", "must be an object"},
    };
    for (const auto& [text, expected] : bad) {
        SCOPED_TRACE(text);
        auto parsed = proto::parse_service(json::parse(text));
        ASSERT_TRUE(parsed.problem);
        EXPECT_NE(parsed.problem->message.find(expected), std::string::npos)
            << parsed.problem->message;
    }
}

}  // namespace
}  // namespace regcenter
