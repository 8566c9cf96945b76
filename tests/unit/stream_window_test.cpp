// Flow-control bookkeeping shared by the center and the SDK (proto-spec/actions.md A.2).
#include <gtest/gtest.h>

#include "regcenter/proto/stream_window.hpp"

namespace regcenter::proto {
namespace {

TEST(stream_window, a_sender_starts_with_the_initial_window_and_spends_it) {
    stream_window w;
    EXPECT_EQ(w.send_credit(), streams::initial_window);
    w.on_sent(100000);
    EXPECT_EQ(w.send_credit(), streams::initial_window - 100000);
    w.on_sent(streams::initial_window);  // never below zero
    EXPECT_EQ(w.send_credit(), 0u);
    w.on_credit(5000);
    EXPECT_EQ(w.send_credit(), 5000u);
    w.on_credit(UINT64_MAX);  // saturates
    EXPECT_EQ(w.send_credit(), UINT64_MAX);
}

TEST(stream_window, a_receiver_refuses_more_than_it_allowed) {
    stream_window w;
    EXPECT_TRUE(w.on_received(streams::initial_window));
    EXPECT_FALSE(w.on_received(1));
}

TEST(stream_window, credit_follows_consumption_in_batches_of_half_a_window) {
    stream_window w;
    EXPECT_TRUE(w.on_received(streams::initial_window));
    EXPECT_FALSE(w.on_consumed(streams::initial_window / 2 - 1).has_value());
    const auto credit = w.on_consumed(1);
    ASSERT_TRUE(credit.has_value());
    EXPECT_EQ(*credit, streams::initial_window / 2);
    // What was credited may now arrive, and no more.
    EXPECT_TRUE(w.on_received(streams::initial_window / 2));
    EXPECT_FALSE(w.on_received(1));
}

TEST(stream_window, unconsumed_data_is_never_credited) {
    stream_window w(1000);
    EXPECT_TRUE(w.on_received(1000));
    EXPECT_FALSE(w.on_received(1));  // nothing consumed: the peer must wait
    EXPECT_EQ(w.on_consumed(600), std::optional<std::uint64_t>(600));
    EXPECT_TRUE(w.on_received(600));
    EXPECT_FALSE(w.on_received(1));
}

}  // namespace
}  // namespace regcenter::proto
