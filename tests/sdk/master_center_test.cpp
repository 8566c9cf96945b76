// The real SDK against a real in-process center: the whole life cycle over loopback.
#include <gtest/gtest.h>

#include "regcenter/master.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/master_recorder.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;

class master_center_test : public center_test {
  protected:
    void SetUp() override {
        options_.heartbeat_interval = 100ms;
        options_.heartbeat_timeout = 300ms;
        start_center();
    }

    master_config config(recorder& r, std::string token = master_token) {
        master_config c;
        c.token = std::move(token);
        c.name = "sdk-master";
        c.labels = {{"zone", "eu-1"}};
        c.retry_delay = 20ms;
        c.retry_delay_max = 200ms;
        c.close_timeout = 1s;
        c.logger = r.logger();
        return c;
    }

    std::size_t authenticated_count(recorder& r) {
        auto lock = r.lock();
        return r.authenticated.size();
    }
};

TEST_F(master_center_test, authenticates_and_is_listed_with_name_and_labels) {
    recorder r;
    master m(config(r));
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));
    const std::string session = [&] {
        auto lock = r.lock();
        return r.authenticated[0].second;
    }();
    const auto info = center_->master(session);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->name, "sdk-master");
    EXPECT_EQ(info->labels.at("zone"), "eu-1");
    const auto listed = admin(http::verb::get, "/v1/masters");
    EXPECT_NE(listed.body.find(session), std::string::npos);
    const auto centers = m.connected_centers();
    ASSERT_EQ(centers.size(), 1u);
    EXPECT_TRUE(centers[0].authenticated);
    EXPECT_EQ(centers[0].session, session);
}

TEST_F(master_center_test, a_healthy_master_is_never_evicted) {
    recorder r;
    master m(config(r));
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));
    // Ten heartbeat timeouts: the session must be the same one throughout.
    const auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
        ASSERT_EQ(center_->masters().size(), 1u);
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(authenticated_count(r), 1u);
    auto lock = r.lock();
    EXPECT_TRUE(r.closes.empty());
}

TEST_F(master_center_test, close_leaves_and_the_center_forgets_the_master_at_once) {
    recorder r;
    master m(config(r));
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));
    m.close();
    ASSERT_TRUE(m.wait_closed(5s));
    EXPECT_TRUE(center_->masters().empty());
    auto lock = r.lock();
    ASSERT_EQ(r.closes.size(), 1u);
    EXPECT_NE(r.closes[0].second.find("left"), std::string::npos) << r.closes[0].second;
}

TEST_F(master_center_test, reconnects_after_the_center_restarts) {
    recorder r;
    master m(config(r));
    r.attach(m);
    const auto port = masters_ep().port();
    m.connect("127.0.0.1", port);
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));

    center_->stop();
    ASSERT_TRUE(r.wait([&] { return r.closes.size() == 1; }));
    options_.listen = "127.0.0.1:" + std::to_string(port);
    start_center();

    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 2; }, 10s));
    auto lock = r.lock();
    EXPECT_NE(r.authenticated[0].second, r.authenticated[1].second) << "a new session id";
    EXPECT_TRUE(center_->master(r.authenticated[1].second).has_value());
}

TEST_F(master_center_test, one_master_on_two_centers) {
    center second(test_options());
    second.start();
    recorder r;
    master m(config(r));
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    m.connect("ws://127.0.0.1:" + std::to_string(second.master_endpoint().port()) + "/v1/master");
    m.connect("127.0.0.1", masters_ep().port());  // no-op
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 2; }));
    EXPECT_EQ(center_->masters().size(), 1u);
    EXPECT_EQ(second.masters().size(), 1u);
    EXPECT_EQ(m.connected_centers().size(), 2u);
    second.stop();
}

TEST_F(master_center_test, a_rejected_master_gets_in_once_its_token_is_added) {
    recorder r;
    master m(config(r, "token-added-later"));
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    ASSERT_TRUE(r.wait([&] { return r.count_errors(master_errc::auth_failed) >= 1; }));
    EXPECT_TRUE(center_->masters().empty());
    EXPECT_EQ(admin(http::verb::post, "/v1/tokens", R"({"token":"token-added-later"})").status,
              201u);
    EXPECT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }, 10s));
    EXPECT_EQ(center_->masters().size(), 1u);
}

TEST_F(master_center_test, a_kicked_master_stays_out_until_it_connects_again) {
    recorder r;
    master m(config(r));
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));
    const std::string session = center_->masters().at(0).id;
    EXPECT_EQ(admin(http::verb::delete_, "/v1/masters/" + session).status, 204u);
    ASSERT_TRUE(r.wait([&] { return r.closes.size() == 1; }));
    std::this_thread::sleep_for(300ms);  // several retry delays: nothing may come back
    EXPECT_TRUE(center_->masters().empty());
    m.connect("127.0.0.1", masters_ep().port());
    EXPECT_TRUE(r.wait([&] { return r.authenticated.size() == 2; }));
}

TEST_F(master_center_test, many_masters_with_jittered_backoff_all_come_back_after_a_restart) {
    constexpr int count = 50;
    recorder r;
    std::vector<std::unique_ptr<master>> masters;
    const auto port = masters_ep().port();
    net::io_context ioc;  // all masters on one caller-owned io_context, as a fleet host would
    auto work = net::make_work_guard(ioc);
    std::thread io([&] { ioc.run(); });
    for (int i = 0; i < count; ++i) {
        auto c = config(r);
        c.name = "fleet-" + std::to_string(i);
        masters.push_back(std::make_unique<master>(ioc, c));
        r.attach(*masters.back());
        masters.back()->connect("127.0.0.1", port);
    }
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == count; }, 10s));
    center_->stop();
    options_.listen = "127.0.0.1:" + std::to_string(port);
    start_center();
    EXPECT_TRUE(wait_for([&] { return center_->masters().size() == count; }, 20s));
    masters.clear();
    work.reset();
    io.join();
}

}  // namespace
}  // namespace regcenter::test
