// The sweep's timing wheel: entries come due at the end of their tick, never before, in
// bounded batches, across turns of the wheel, and without keeping their sessions alive.
#include <gtest/gtest.h>

#include "deadline_queue.hpp"

namespace regcenter {
namespace {

using namespace std::chrono_literals;
using clock = deadline_queue::clock;
using check = deadline_queue::check;

// Stands in for a session: the queue only holds weak_ptrs and never dereferences them, so an
// owner of anything will do.
std::shared_ptr<master_session> fake_session() {
    static char somewhere = 0;
    return std::shared_ptr<master_session>(std::make_shared<char>(0),
                                           reinterpret_cast<master_session*>(&somewhere));
}

// Tests start on a tick boundary, so that which tick a time falls in is exact.
clock::time_point start(const deadline_queue& q) {
    return q.tick_end(clock::now());
}

std::vector<deadline_queue::entry> take(deadline_queue& q, clock::time_point now,
                                        std::size_t max = 1000) {
    std::vector<deadline_queue::entry> out;
    q.take_due(now, max, out);
    return out;
}

TEST(deadline_queue, an_entry_comes_due_at_the_end_of_its_tick_and_not_before) {
    deadline_queue q(100ms, 1s);
    const auto t0 = start(q);
    const auto s = fake_session();
    q.push({t0 + 250ms, s, check::heartbeat});
    EXPECT_EQ(q.size(), 1u);
    EXPECT_TRUE(take(q, t0 + 200ms).empty());
    const auto end = q.tick_end(t0 + 250ms);
    EXPECT_EQ(end, t0 + 300ms);
    EXPECT_TRUE(take(q, end - 1ns).empty());
    const auto due = take(q, end);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].what, check::heartbeat);
    EXPECT_FALSE(due[0].session.expired());
    EXPECT_EQ(q.size(), 0u);
    EXPECT_TRUE(take(q, end + 1s).empty());
}

TEST(deadline_queue, an_entry_due_in_the_past_comes_due_at_once) {
    deadline_queue q(100ms, 1s);
    const auto t0 = start(q);
    EXPECT_TRUE(take(q, t0 + 500ms).empty());  // ticks up to t0 + 500 ms are taken
    q.push({t0 - 1s, fake_session(), check::auth});
    q.push({t0 + 100ms, fake_session(), check::auth});
    EXPECT_EQ(take(q, t0 + 600ms).size(), 2u);
}

TEST(deadline_queue, batches_are_bounded_and_resume_where_they_stopped) {
    deadline_queue q(10ms, 1s);
    const auto t0 = start(q);
    const auto s = fake_session();
    for (int i = 0; i < 25; ++i) {
        q.push({t0 + std::chrono::milliseconds(i), s, check::heartbeat});
    }
    const auto later = t0 + 1s;
    EXPECT_EQ(take(q, later, 10).size(), 10u);
    EXPECT_EQ(take(q, later, 10).size(), 10u);
    EXPECT_EQ(take(q, later, 10).size(), 5u);
    EXPECT_EQ(q.size(), 0u);
}

TEST(deadline_queue, entries_beyond_the_horizon_wait_for_their_turn_of_the_wheel) {
    deadline_queue q(10ms, 50ms);  // a handful of slots
    const auto t0 = start(q);
    q.push({t0 + 1s, fake_session(), check::heartbeat});
    q.push({t0 + 30ms, fake_session(), check::heartbeat});
    for (auto t = t0; t < t0 + 990ms; t += 10ms) {
        const auto due = take(q, t);
        for (const auto& e : due) {
            EXPECT_LE(e.due, t);
        }
    }
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(take(q, t0 + 1s + 10ms).size(), 1u);
}

TEST(deadline_queue, a_sweep_far_behind_still_takes_everything_due_and_nothing_else) {
    deadline_queue q(10ms, 50ms);
    const auto t0 = start(q);
    for (int i = 0; i < 100; ++i) {
        q.push({t0 + std::chrono::milliseconds(10 * i), fake_session(), check::heartbeat});
    }
    const auto due = take(q, t0 + 505ms);
    EXPECT_EQ(due.size(), 51u);  // 0 ms .. 500 ms
    for (const auto& e : due) {
        EXPECT_LE(e.due, t0 + 505ms);
    }
    EXPECT_EQ(take(q, t0 + 2s).size(), 49u);
}

TEST(deadline_queue, entries_do_not_keep_their_sessions_alive) {
    deadline_queue q(10ms, 1s);
    const auto t0 = start(q);
    auto s = fake_session();
    q.push({t0, s, check::streams});
    s.reset();
    const auto due = take(q, t0 + 20ms);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_TRUE(due[0].session.expired());
}

}  // namespace
}  // namespace regcenter
