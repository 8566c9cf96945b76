// The reconnect backoff: full jitter within min(cap, base * 2^n), growth, cap, reset, floor.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "regcenter/detail/backoff.hpp"

namespace regcenter::detail {
namespace {

using std::chrono::milliseconds;

TEST(backoff, ceiling_doubles_up_to_the_cap) {
    backoff b(milliseconds(100), milliseconds(1000), 1);
    std::vector<milliseconds> ceilings;
    for (int i = 0; i < 7; ++i) {
        ceilings.push_back(b.ceiling());
        b.next();
    }
    const std::vector<milliseconds> expected{
        milliseconds(100),  milliseconds(200),  milliseconds(400), milliseconds(800),
        milliseconds(1000), milliseconds(1000), milliseconds(1000)};
    EXPECT_EQ(ceilings, expected);
    EXPECT_EQ(b.attempt(), 7u);
}

TEST(backoff, every_wait_lies_within_zero_and_the_ceiling) {
    backoff b(milliseconds(50), milliseconds(3000), 42);
    for (int i = 0; i < 200; ++i) {
        const milliseconds ceiling = b.ceiling();
        const milliseconds wait = b.next();
        EXPECT_GE(wait, milliseconds(0));
        EXPECT_LE(wait, ceiling);
    }
}

TEST(backoff, first_wait_is_spread_over_the_whole_range) {
    backoff b(milliseconds(1000), milliseconds(60000), 7);
    milliseconds low = milliseconds::max();
    milliseconds high = milliseconds::min();
    for (int i = 0; i < 2000; ++i) {
        b.reset();
        const milliseconds wait = b.next();
        ASSERT_LE(wait, milliseconds(1000));
        low = std::min(low, wait);
        high = std::max(high, wait);
    }
    // Full jitter: a fleet's first retries cover [0, base], not a narrow band near base.
    EXPECT_LT(low, milliseconds(50));
    EXPECT_GT(high, milliseconds(950));
}

TEST(backoff, reset_starts_over_from_the_base) {
    backoff b(milliseconds(100), milliseconds(10000), 3);
    for (int i = 0; i < 5; ++i) {
        b.next();
    }
    EXPECT_EQ(b.ceiling(), milliseconds(3200));
    b.reset();
    EXPECT_EQ(b.attempt(), 0u);
    EXPECT_EQ(b.ceiling(), milliseconds(100));
    EXPECT_LE(b.next(), milliseconds(100));
}

TEST(backoff, same_seed_same_sequence) {
    backoff a(milliseconds(10), milliseconds(100000), 12345);
    backoff b(milliseconds(10), milliseconds(100000), 12345);
    backoff c(milliseconds(10), milliseconds(100000), 54321);
    std::vector<milliseconds> sa;
    std::vector<milliseconds> sb;
    std::vector<milliseconds> sc;
    for (int i = 0; i < 20; ++i) {
        sa.push_back(a.next());
        sb.push_back(b.next());
        sc.push_back(c.next());
    }
    EXPECT_EQ(sa, sb);
    EXPECT_NE(sa, sc);
}

TEST(backoff, floor_raises_the_lower_bound_but_not_the_ceiling) {
    backoff b(milliseconds(100), milliseconds(100), 9);
    for (int i = 0; i < 500; ++i) {
        const milliseconds wait = b.next(milliseconds(50));
        EXPECT_GE(wait, milliseconds(50));
        EXPECT_LE(wait, milliseconds(100));
    }
    // A floor above the ceiling is clamped: the cap stays a promise.
    EXPECT_EQ(b.next(milliseconds(500)), milliseconds(100));
}

TEST(backoff, many_attempts_never_overflow) {
    backoff b(milliseconds(1), milliseconds(60000), 5);
    for (int i = 0; i < 10000; ++i) {
        b.next();
    }
    EXPECT_EQ(b.ceiling(), milliseconds(60000));
    EXPECT_LE(b.next(), milliseconds(60000));
}

TEST(backoff, zero_base_means_no_wait) {
    backoff b(milliseconds(0), milliseconds(60000), 5);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(b.next(), milliseconds(0));
    }
}

TEST(backoff, cap_below_base_wins) {
    backoff b(milliseconds(5000), milliseconds(1000), 5);
    EXPECT_EQ(b.ceiling(), milliseconds(1000));
    EXPECT_LE(b.next(), milliseconds(1000));
}

TEST(backoff, set_base_keeps_the_attempt_count) {
    backoff b(milliseconds(100), milliseconds(100000), 5);
    b.next();
    b.next();
    b.set_base(milliseconds(10));
    EXPECT_EQ(b.attempt(), 2u);
    EXPECT_EQ(b.ceiling(), milliseconds(40));
}

}  // namespace
}  // namespace regcenter::detail
