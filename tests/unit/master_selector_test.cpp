// Selectors: matching masters, and parsing that never widens a fan-out by accident.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "master_selector.hpp"

namespace regcenter {
namespace {

TEST(master_selector, every_given_criterion_must_hold) {
    master_info m;
    m.id = "id1";
    m.name = "web";
    m.labels = {{"zone", "eu"}, {"tier", "front"}};
    EXPECT_TRUE(master_selector{}.matches(m));
    EXPECT_TRUE((master_selector{{"id0", "id1"}, std::nullopt, {}}.matches(m)));
    EXPECT_FALSE((master_selector{{"id0"}, std::nullopt, {}}.matches(m)));
    EXPECT_TRUE((master_selector{{}, "web", {{"zone", "eu"}}}.matches(m)));
    EXPECT_FALSE((master_selector{{}, "web", {{"zone", "us"}}}.matches(m)));
    EXPECT_FALSE((master_selector{{}, "db", {}}.matches(m)));
    EXPECT_FALSE((master_selector{{}, std::nullopt, {{"missing", ""}}}.matches(m)));
}

TEST(master_selector, parsing_refuses_what_could_widen_a_fan_out) {
    std::string error;
    auto ok = parse_selector(
        boost::json::parse(R"({"ids":["a","b"],"name":"web","labels":{"zone":"eu"}})"), error);
    ASSERT_TRUE(ok) << error;
    EXPECT_EQ(ok->ids, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(ok->name, "web");
    EXPECT_EQ(ok->labels.at("zone"), "eu");
    EXPECT_TRUE(parse_selector(nullptr, error)->empty());

    const std::pair<const char*, const char*> bad[] = {
        {R"({"lables":{}})", "unknown key \"lables\""},
        {R"({"ids":[]})", "omit it to select every master"},
        {R"({"ids":"a"})", "must be an array"},
        {R"({"ids":[1]})", "non-empty string"},
        {R"({"name":3})", "\"selector.name\" must be a string"},
        {R"({"labels":{"a":1}})", "label \"a\""},
        {R"([])", "must be an object"},
        {R"({"meta":{"a":"b"}})", "give \"selector.service\" too"},
        {R"({"service":"a b"})", "A-Z a-z 0-9"},
        {R"({"service":"s","meta":{"a":1}})", "must be a string"},
    };
    for (const auto& [text, expected] : bad) {
        SCOPED_TRACE(text);
        error.clear();
        EXPECT_FALSE(parse_selector(boost::json::parse(text), error));
        EXPECT_NE(error.find(expected), std::string::npos) << error;
    }
}

}  // namespace
}  // namespace regcenter
