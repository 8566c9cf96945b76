// The limit on the audit log's copies: N a second, refusals counted once each and reported
// only when their second is over.
#include "per_second_limit.hpp"

#include <gtest/gtest.h>

namespace regcenter {
namespace {

using namespace std::chrono_literals;
using clock = per_second_limit::clock;

TEST(per_second_limit, admits_n_a_second_and_counts_the_rest_once_their_second_ended) {
    per_second_limit limit(3);
    const clock::time_point t0 = clock::now();
    int admitted = 0;
    for (int i = 0; i < 10; ++i) {
        admitted += limit.admit(t0 + std::chrono::milliseconds(i)) ? 1 : 0;
    }
    EXPECT_EQ(admitted, 3);
    EXPECT_EQ(limit.take_refused(t0 + 500ms), 0u) << "the second is still running";
    // The next second admits three again, and the first second's seven are reported once.
    EXPECT_TRUE(limit.admit(t0 + 1s));
    EXPECT_EQ(limit.take_refused(t0 + 1s), 7u);
    EXPECT_EQ(limit.take_refused(t0 + 5s), 0u);
}

TEST(per_second_limit, refusals_of_several_seconds_add_up_until_taken) {
    per_second_limit limit(1);
    const clock::time_point t0 = clock::now();
    for (auto second : {0s, 1s, 2s}) {
        EXPECT_TRUE(limit.admit(t0 + second));
        EXPECT_FALSE(limit.admit(t0 + second + 10ms));
        EXPECT_FALSE(limit.admit(t0 + second + 20ms));
    }
    EXPECT_EQ(limit.take_refused(t0 + 3s), 6u);
}

TEST(per_second_limit, zero_admits_nothing_and_a_new_rate_applies_at_once) {
    per_second_limit limit(0);
    const clock::time_point t0 = clock::now();
    EXPECT_FALSE(limit.admit(t0));
    limit.set_per_second(2);
    EXPECT_TRUE(limit.admit(t0 + 1ms));
    EXPECT_TRUE(limit.admit(t0 + 2ms));
    EXPECT_FALSE(limit.admit(t0 + 3ms));
    EXPECT_EQ(limit.per_second(), 2u);
    EXPECT_EQ(limit.take_refused(t0 + 1s), 2u);
}

}  // namespace
}  // namespace regcenter
