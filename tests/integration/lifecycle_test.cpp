// Session life cycle: leave, kick, close, shutdown, port in use, many sessions.
#include <thread>

#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

#include "regcenter/proto/protocol.hpp"

namespace regcenter::test {
namespace {

class lifecycle_test : public center_test {
  protected:
    void SetUp() override { start_center(); }
};

TEST_F(lifecycle_test, leave_removes_the_session_at_once_and_closes_with_1000) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    client.send(proto::leave{});
    EXPECT_EQ(client.wait_closed(), proto::close_code::normal);
    EXPECT_FALSE(center_->master(id).has_value());
}

TEST_F(lifecycle_test, a_closed_connection_disappears_from_the_registry) {
    std::string id;
    {
        ws_client client(masters_ep());
        id = client.authenticate(master_token);
        EXPECT_EQ(center_->masters().size(), 1u);
    }
    EXPECT_TRUE(wait_for([&] { return center_->masters().empty(); }));
}

TEST_F(lifecycle_test, kick_closes_with_4001) {
    ws_client client(masters_ep());
    const std::string id = client.authenticate(master_token);
    EXPECT_TRUE(center_->kick(id));
    EXPECT_EQ(client.wait_closed(), proto::close_code::kicked);
    EXPECT_FALSE(center_->master(id).has_value());
    EXPECT_FALSE(center_->kick(id));
}

TEST_F(lifecycle_test, only_authenticated_sessions_are_masters) {
    ws_client pending(masters_ep());
    ws_client authed(masters_ep());
    authed.authenticate(master_token);
    EXPECT_TRUE(wait_for([&] { return center_->state().sessions().connection_count() == 2; }));
    EXPECT_EQ(center_->masters().size(), 1u);
}

TEST_F(lifecycle_test, stop_closes_every_session_with_1001) {
    ws_client a(masters_ep());
    ws_client b(masters_ep());
    a.authenticate(master_token);
    // b is not authenticated: it is told too.
    std::thread stopper([&] { center_->stop(); });
    EXPECT_EQ(a.wait_closed(), proto::close_code::going_away);
    EXPECT_EQ(b.wait_closed(), proto::close_code::going_away);
    stopper.join();
}

TEST_F(lifecycle_test, stop_does_not_wait_forever_for_masters_that_do_not_answer) {
    ws_client frozen(masters_ep());
    frozen.authenticate(master_token);
    // The client never reads again, so it never answers the closing handshake.
    const auto started = std::chrono::steady_clock::now();
    center_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
}

TEST_F(lifecycle_test, starting_on_a_port_in_use_names_the_address) {
    center_options taken = options_;
    taken.listen = "127.0.0.1:" + std::to_string(masters_ep().port());
    center second(taken);
    try {
        second.start();
        FAIL() << "start() on a port in use succeeded";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find(taken.listen), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), std::errc::address_in_use) << e.what();
    }
    // The first center is unaffected.
    ws_client client(masters_ep());
    EXPECT_EQ(client.authenticate(master_token).size(), 32u);
}

TEST_F(lifecycle_test, invalid_listen_address_is_rejected) {
    center_options bad = options_;
    bad.listen = "nowhere:port";
    center c(bad);
    EXPECT_THROW(c.start(), std::invalid_argument);
}

TEST_F(lifecycle_test, a_restarted_center_on_the_same_port_accepts_masters_again) {
    const auto port = masters_ep().port();
    center_->stop();
    options_.listen = "127.0.0.1:" + std::to_string(port);
    start_center();
    ws_client client(masters_ep());
    EXPECT_EQ(client.authenticate(master_token).size(), 32u);
}

TEST_F(lifecycle_test, many_sessions_are_held_and_released) {
    constexpr int count = 200;
    std::vector<std::unique_ptr<ws_client>> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<ws_client>(masters_ep()));
        clients.back()->authenticate(master_token, "m" + std::to_string(i));
    }
    EXPECT_EQ(center_->masters().size(), static_cast<std::size_t>(count));
    clients.clear();
    EXPECT_TRUE(wait_for([&] { return center_->masters().empty(); }));
}

}  // namespace
}  // namespace regcenter::test

namespace regcenter::test {
namespace {

// The same session code on several I/O threads: strands keep each session serialized.
class multithreaded_test : public center_test {
  protected:
    void SetUp() override {
        options_.threads = 4;
        // Pings go out while clients are busy elsewhere; the timeout leaves room for slow
        // (sanitizer) builds, where a client may not read for a while.
        options_.heartbeat_interval = std::chrono::milliseconds(100);
        options_.heartbeat_timeout = std::chrono::seconds(30);
        start_center();
    }
};

TEST_F(multithreaded_test, sessions_on_several_threads_authenticate_chat_and_leave) {
    constexpr int clients_per_thread = 25;
    std::vector<std::thread> threads;
    std::atomic<int> completed{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            try {
                std::vector<std::unique_ptr<ws_client>> clients;
                for (int i = 0; i < clients_per_thread; ++i) {
                    clients.push_back(std::make_unique<ws_client>(masters_ep()));
                    clients.back()->authenticate(master_token,
                                                 "t" + std::to_string(t) + "-" + std::to_string(i));
                }
                for (int round = 0; round < 5; ++round) {
                    for (auto& c : clients) {
                        c->send(proto::ping{});
                        if (c->read_message() != proto::message(proto::pong{})) {
                            return;
                        }
                    }
                }
                for (auto& c : clients) {
                    c->send(proto::leave{});
                    if (c->wait_closed() != proto::close_code::normal) {
                        return;
                    }
                }
                ++completed;
            } catch (const std::exception& e) {
                ADD_FAILURE() << "client thread " << t << ": " << e.what();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(completed.load(), 4);
    EXPECT_TRUE(wait_for([&] { return center_->state().sessions().connection_count() == 0; }));
}

}  // namespace
}  // namespace regcenter::test
