// The reconnect backoff: full jitter within min(cap, base * 2^n), growth, cap, reset, floor.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "regcenter/detail/backoff.hpp"

namespace regcenter::detail {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesUpToTheCap) {
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

TEST(Backoff, EveryWaitLiesWithinZeroAndTheCeiling) {
    backoff b(milliseconds(50), milliseconds(3000), 42);
    for (int i = 0; i < 200; ++i) {
        const milliseconds ceiling = b.ceiling();
        const milliseconds wait = b.next();
        EXPECT_GE(wait, milliseconds(0));
        EXPECT_LE(wait, ceiling);
    }
}

TEST(Backoff, FirstWaitIsSpreadOverTheWholeRange) {
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

TEST(Backoff, ResetStartsOverFromTheBase) {
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

TEST(Backoff, SameSeedSameSequence) {
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

TEST(Backoff, FloorRaisesTheLowerBoundButNotTheCeiling) {
    backoff b(milliseconds(100), milliseconds(100), 9);
    for (int i = 0; i < 500; ++i) {
        const milliseconds wait = b.next(milliseconds(50));
        EXPECT_GE(wait, milliseconds(50));
        EXPECT_LE(wait, milliseconds(100));
    }
    // A floor above the ceiling is clamped: the cap stays a promise.
    EXPECT_EQ(b.next(milliseconds(500)), milliseconds(100));
}

TEST(Backoff, ManyAttemptsNeverOverflow) {
    backoff b(milliseconds(1), milliseconds(60000), 5);
    for (int i = 0; i < 10000; ++i) {
        b.next();
    }
    EXPECT_EQ(b.ceiling(), milliseconds(60000));
    EXPECT_LE(b.next(), milliseconds(60000));
}

TEST(Backoff, ZeroBaseMeansNoWait) {
    backoff b(milliseconds(0), milliseconds(60000), 5);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(b.next(), milliseconds(0));
    }
}

TEST(Backoff, CapBelowBaseWins) {
    backoff b(milliseconds(5000), milliseconds(1000), 5);
    EXPECT_EQ(b.ceiling(), milliseconds(1000));
    EXPECT_LE(b.next(), milliseconds(1000));
}

TEST(Backoff, SetBaseKeepsTheAttemptCount) {
    backoff b(milliseconds(100), milliseconds(100000), 5);
    b.next();
    b.next();
    b.set_base(milliseconds(10));
    EXPECT_EQ(b.attempt(), 2u);
    EXPECT_EQ(b.ceiling(), milliseconds(40));
}

}  // namespace
}  // namespace regcenter::detail
