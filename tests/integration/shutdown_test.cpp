// A center's stop: masters that asked are told when to come back (going-away, within
// shutdown.reconnect_window) before the 1001 close; the others just get the close.
#include <boost/json.hpp>

#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;

class shutdown_test : public center_test {
  protected:
    void SetUp() override {
        options_.shutdown_reconnect_window = 3s;
        start_center();
    }

    // Authenticates with "going_away": `asks`.
    void join(ws_client& client, bool asks) {
        client.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) +
                         R"(","going_away":)" + (asks ? "true" : "false") + "}");
        ASSERT_TRUE(std::holds_alternative<proto::auth_success>(client.read_message()));
    }
};

TEST_F(shutdown_test, masters_that_ask_are_told_when_to_come_back_within_the_window) {
    std::vector<std::unique_ptr<ws_client>> asking;
    for (int i = 0; i < 20; ++i) {
        join(*asking.emplace_back(std::make_unique<ws_client>(masters_ep())), true);
    }
    ws_client silent(masters_ep());
    join(silent, false);

    center_->stop();
    std::set<double> delays;
    for (auto& client : asking) {
        const auto hint = std::get<proto::going_away>(client->read_message());
        EXPECT_GE(hint.reconnect_after, 0.0);
        EXPECT_LT(hint.reconnect_after, 3.0);
        delays.insert(hint.reconnect_after);
        EXPECT_EQ(client->wait_closed(), proto::close_code::going_away);
    }
    // Spread at random, not one shared value.
    EXPECT_GT(delays.size(), 10u);
    // A master that didn't ask gets only the close.
    const ws_read next = silent.read();
    EXPECT_EQ(next.what, ws_read::kind::closed) << next.data;
    EXPECT_EQ(next.close_code, proto::close_code::going_away);
}

TEST_F(shutdown_test, a_zero_window_sends_no_hint) {
    center_->stop();
    options_.shutdown_reconnect_window = 0s;
    start_center();
    ws_client client(masters_ep());
    join(client, true);
    center_->stop();
    const ws_read next = client.read();
    EXPECT_EQ(next.what, ws_read::kind::closed) << next.data;
}

TEST_F(shutdown_test, a_bad_going_away_field_is_a_bad_request) {
    ws_client client(masters_ep());
    client.send_text(R"({"cmd":"auth","token":"x","going_away":1})");
    EXPECT_EQ(std::get<proto::error>(client.read_message()).code, "bad-request");
}

}  // namespace
}  // namespace regcenter::test
