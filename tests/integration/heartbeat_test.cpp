// Heartbeat: silent masters are pinged, answering masters stay, dead ones are evicted.
#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

class heartbeat_test : public center_test {
  protected:
    void SetUp() override {
        options_.heartbeat_interval = std::chrono::milliseconds(100);
        options_.heartbeat_timeout = std::chrono::milliseconds(300);
        start_center();
    }
};

TEST_F(heartbeat_test, a_master_that_stops_reading_and_answering_is_evicted) {
    ws_client frozen(masters_ep());
    const std::string id = frozen.authenticate(master_token);
    ASSERT_TRUE(center_->master(id).has_value());
    // From here on the client never reads, so it never answers a ping.
    EXPECT_TRUE(wait_for([&] { return !center_->master(id).has_value(); }));
    EXPECT_TRUE(wait_for([&] { return center_->state().sessions().connection_count() == 0; }));
}

TEST_F(heartbeat_test, a_master_that_answers_pings_is_never_evicted) {
    ws_client alive(masters_ep());
    const std::string id = alive.authenticate(master_token);
    // Reading lets the client answer pings; ten timeouts' worth of silence from our side.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until) {
        const ws_read r = alive.read(std::chrono::milliseconds(50));
        ASSERT_EQ(r.what, ws_read::kind::timeout) << "unexpected frame or close";
    }
    EXPECT_GE(alive.pings_received(), 3);
    EXPECT_TRUE(center_->master(id).has_value());
}

TEST_F(heartbeat_test, application_level_traffic_keeps_a_session_alive_without_pings) {
    ws_client chatty(masters_ep());
    const std::string id = chatty.authenticate(master_token);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (std::chrono::steady_clock::now() < until) {
        chatty.send(proto::ping{});
        ASSERT_EQ(chatty.read_message(), proto::message(proto::pong{}));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(center_->master(id).has_value());
}

TEST_F(heartbeat_test, last_seen_moves_with_pongs) {
    ws_client alive(masters_ep());
    const std::string id = alive.authenticate(master_token);
    const auto first = center_->master(id)->last_seen_at;
    alive.read(std::chrono::milliseconds(400));  // answers at least one ping meanwhile
    ASSERT_TRUE(center_->master(id).has_value());
    EXPECT_GT(center_->master(id)->last_seen_at, first);
}

TEST(sweep_period, is_a_quarter_of_the_shortest_deadline_within_bounds) {
    center_options o = test_options();
    o.auth_timeout = std::chrono::seconds(10);
    o.heartbeat_interval = std::chrono::seconds(20);
    o.heartbeat_timeout = std::chrono::seconds(40);
    EXPECT_EQ(center_state(o).sweep_period(), std::chrono::seconds(1));
    o.heartbeat_interval = std::chrono::milliseconds(100);
    o.heartbeat_timeout = std::chrono::milliseconds(300);
    EXPECT_EQ(center_state(o).sweep_period(), std::chrono::milliseconds(25));
    o.heartbeat_interval = std::chrono::milliseconds(1);
    o.heartbeat_timeout = std::chrono::milliseconds(2);
    EXPECT_EQ(center_state(o).sweep_period(), std::chrono::milliseconds(5));
}

}  // namespace
}  // namespace regcenter::test
