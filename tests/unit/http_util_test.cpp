// Query parameters of admin request targets.
#include <gtest/gtest.h>

#include "http_util.hpp"

namespace regcenter {
namespace {

TEST(query_param, finds_and_percent_decodes_a_parameter) {
    EXPECT_EQ(query_param("/p?args=%7B%22n%22%3A1%7D", "args"), R"({"n":1})");
    EXPECT_EQ(query_param("/p?a=1&args=x+y&b=2", "args"), "x y");
    EXPECT_EQ(query_param("/p?args=", "args"), "");
    EXPECT_EQ(query_param("/p?args", "args"), "");
    EXPECT_EQ(query_param("/p?limit=5", "limit"), "5");
}

TEST(query_param, absent_or_badly_encoded_is_nullopt) {
    EXPECT_FALSE(query_param("/p", "args"));
    EXPECT_FALSE(query_param("/p?arg=1", "args"));
    EXPECT_FALSE(query_param("/p?xargs=1", "args"));
    EXPECT_FALSE(query_param("/p?args=%zz", "args"));
    EXPECT_FALSE(query_param("/p?args=%4", "args"));
    EXPECT_FALSE(query_param("/p?args=%", "args"));
}

TEST(query_param, presence_is_told_apart_from_a_bad_encoding) {
    EXPECT_TRUE(has_query_param("/p?args=%zz", "args"));
    EXPECT_TRUE(has_query_param("/p?a=1&args", "args"));
    EXPECT_FALSE(has_query_param("/p?xargs=1", "args"));
    EXPECT_FALSE(has_query_param("/p", "args"));
}

TEST(target_path, strips_the_query) {
    EXPECT_EQ(target_path("/v1/jobs?limit=1"), "/v1/jobs");
    EXPECT_EQ(target_path("/v1/jobs"), "/v1/jobs");
}

}  // namespace
}  // namespace regcenter
