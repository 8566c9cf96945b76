// Discovery from the SDK against real centers: discover(), subscribe() with its live list
// through registrations, removals, departures and a center restart, and a master that follows
// a center's cluster.peers to a second center and serves and registers on both.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "action_call.hpp"
#include "center.hpp"
#include "regcenter/master.hpp"
#include "regcenter/service.hpp"
#include "support/center_fixture.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;

// Every list a subscription handler was given, in order.
struct peer_lists {
    std::mutex mutex;
    std::vector<std::vector<service_instance>> lists;

    master::peers_handler handler() {
        return [this](const std::vector<service_instance>& peers) {
            std::lock_guard lock(mutex);
            lists.push_back(peers);
        };
    }
    // Whether the latest list has exactly these master names, in any order.
    bool latest_is(std::vector<std::string> names) {
        std::lock_guard lock(mutex);
        if (lists.empty()) {
            return false;
        }
        std::vector<std::string> have;
        for (const auto& i : lists.back()) {
            have.push_back(i.master_name);
        }
        std::sort(have.begin(), have.end());
        std::sort(names.begin(), names.end());
        return have == names;
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return lists.size();
    }
};

struct discover_answer {
    boost::system::error_code error;
    std::vector<service_instance> found;
};

class discovery_sdk_test : public center_test {
  protected:
    void SetUp() override { start_center(); }
    void TearDown() override {
        masters_.clear();
        center_test::TearDown();
    }

    master_config config(const std::string& name) {
        master_config c;
        c.token = master_token;
        c.name = name;
        c.retry_delay = 20ms;
        c.request_timeout = 5s;
        return c;
    }

    // A master named `name` hosting "http" in `zone`, connected to the center.
    master& host(const std::string& name, const std::string& zone) {
        auto& m = *masters_.emplace_back(std::make_unique<master>(config(name)));
        m.register_service({"http", "1", {"http://" + name + ":80"}, {{"zone", zone}}});
        m.connect("127.0.0.1", masters_ep().port());
        return m;
    }

    master& watcher() {
        auto& m = *masters_.emplace_back(std::make_unique<master>(config("watcher")));
        m.connect("127.0.0.1", masters_ep().port());
        EXPECT_TRUE(wait_for([&] {
            const auto c = m.connected_centers();
            return c.size() == 1 && c[0].authenticated;
        }));
        return m;
    }

    static discover_answer ask(master& m, const std::string& service, service_filter filter = {}) {
        auto promise = std::make_shared<std::promise<discover_answer>>();
        auto answer = promise->get_future();
        m.discover(service, std::move(filter),
                   [promise](boost::system::error_code ec, std::vector<service_instance> found) {
                       promise->set_value({ec, std::move(found)});
                   });
        EXPECT_EQ(answer.wait_for(10s), std::future_status::ready);
        return answer.get();
    }

    std::size_t instances(const std::string& service) {
        return center_->state().services().instances(service).size();
    }

    std::vector<std::unique_ptr<master>> masters_;
};

TEST_F(discovery_sdk_test, discover_answers_from_the_center_with_filters_and_errors) {
    master_config lonely = config("lonely");
    master not_connected(lonely);
    EXPECT_EQ(ask(not_connected, "http").error, master_errc::not_connected);

    host("web-eu", "eu");
    host("web-us", "us");
    ASSERT_TRUE(wait_for([&] { return instances("http") == 2; }));
    master& w = watcher();

    const auto all = ask(w, "http");
    EXPECT_FALSE(all.error);
    ASSERT_EQ(all.found.size(), 2u);
    const auto eu = ask(w, "http", {{{"zone", "eu"}}, {}});
    ASSERT_EQ(eu.found.size(), 1u);
    EXPECT_EQ(eu.found[0].master_name, "web-eu");
    EXPECT_EQ(eu.found[0].service.endpoints, std::vector<std::string>{"http://web-eu:80"});
    EXPECT_TRUE(ask(w, "nothing").found.empty());
    EXPECT_EQ(ask(w, "bad name").error, master_errc::query_refused);
    EXPECT_THROW(w.discover("http", {}, {}), std::invalid_argument);
}

TEST_F(discovery_sdk_test, a_subscription_keeps_a_live_list_of_peers) {
    master& w = watcher();
    peer_lists all;
    peer_lists eu;
    w.subscribe("http", {}, all.handler());
    w.subscribe("http", {{{"zone", "eu"}}, {}}, eu.handler());
    ASSERT_TRUE(wait_for([&] { return all.count() >= 1 && eu.count() >= 1; }));
    EXPECT_TRUE(all.latest_is({}));

    master& a = host("web-eu", "eu");
    master& b = host("web-us", "us");
    ASSERT_TRUE(wait_for([&] { return all.latest_is({"web-eu", "web-us"}); }));
    ASSERT_TRUE(wait_for([&] { return eu.latest_is({"web-eu"}); }));

    b.remove_service("http");
    EXPECT_TRUE(wait_for([&] { return all.latest_is({"web-eu"}); }));
    a.close();
    EXPECT_TRUE(wait_for([&] { return all.latest_is({}) && eu.latest_is({}); }));

    // A later subscriber gets the list the center already reported, at once.
    host("web-late", "eu");
    ASSERT_TRUE(wait_for([&] { return all.latest_is({"web-late"}); }));
    peer_lists late;
    const auto id = w.subscribe("http", {}, late.handler());
    EXPECT_TRUE(wait_for([&] { return late.latest_is({"web-late"}); }));

    EXPECT_TRUE(w.unsubscribe(id));
    EXPECT_FALSE(w.unsubscribe(id));
    EXPECT_THROW(w.subscribe("bad name", {}, all.handler()), std::invalid_argument);
}

TEST_F(discovery_sdk_test, subscriptions_come_back_after_the_center_restarts) {
    master& w = watcher();
    peer_lists all;
    w.subscribe("http", {}, all.handler());
    host("web-1", "eu");
    ASSERT_TRUE(wait_for([&] { return all.latest_is({"web-1"}); }));
    std::string before;
    {
        std::lock_guard lock(all.mutex);
        before = all.lists.back().at(0).master;
    }

    const auto port = masters_ep().port();
    center_->stop();
    options_.listen = "127.0.0.1:" + std::to_string(port);
    start_center();
    // Both masters reconnect by themselves: web-1 registers again, the watcher subscribes
    // again, and the list shows web-1's new session.
    ASSERT_TRUE(wait_for(
        [&] {
            std::lock_guard lock(all.mutex);
            return !all.lists.back().empty() && all.lists.back()[0].master != before;
        },
        10s));
    EXPECT_TRUE(all.latest_is({"web-1"}));
}

class two_centers_test : public ::testing::Test {
  protected:
    void TearDown() override {
        master_.reset();
        for (auto& c : centers_) {
            c->stop();
        }
    }
    center& start(std::vector<std::string> peers) {
        center_options o = test_options();
        o.cluster_peers = std::move(peers);
        auto& c = *centers_.emplace_back(std::make_unique<center>(o));
        c.start();
        return c;
    }
    static std::string url(const center& c) {
        return "ws://127.0.0.1:" + std::to_string(c.master_endpoint().port());
    }
    std::vector<std::unique_ptr<center>> centers_;
    std::unique_ptr<master> master_;
};

TEST_F(two_centers_test, a_master_follows_cluster_peers_and_serves_on_both) {
    center& second = start({});
    center& first = start({url(second)});
    master_config c;
    c.token = master_token;
    c.name = "follower";
    c.retry_delay = 20ms;
    master_ = std::make_unique<master>(c);
    master_->handle_call(
        "whoami", [](const boost::json::value&, std::string) { return std::string("follower"); });
    master_->register_service({"http", "1", {}, {}});
    master_->connect(url(first));  // only the first; it names the second

    ASSERT_TRUE(wait_for([&] {
        const auto list = master_->connected_centers();
        return list.size() == 2 && list[0].authenticated && list[1].authenticated;
    }));
    for (center* each : {&first, &second}) {
        ASSERT_TRUE(
            wait_for([&] { return each->state().services().instances("http").size() == 1; }));
        const auto masters = each->masters();
        ASSERT_EQ(masters.size(), 1u);
        std::promise<call_result> done;
        each->call({masters[0].id, "whoami", nullptr, "", 5000ms},
                   [&](call_result r) { done.set_value(std::move(r)); });
        const call_result r = done.get_future().get();
        EXPECT_EQ(r.status, "ok") << r.error_message;
        EXPECT_EQ(r.output, "follower");
    }
}

TEST_F(two_centers_test, a_subscription_moves_to_the_other_center_when_its_center_stops) {
    center& second = start({});
    center& first = start({url(second)});
    master_config c;
    c.token = master_token;
    c.retry_delay = 20ms;
    c.name = "host";
    master_ = std::make_unique<master>(c);
    master_->register_service({"http", "1", {}, {}});
    master_->connect(url(first));
    ASSERT_TRUE(wait_for([&] {
        return first.state().services().instances("http").size() == 1 &&
               second.state().services().instances("http").size() == 1;
    }));
    c.name = "watcher";
    master w(c);
    peer_lists lists;
    w.subscribe("http", {}, lists.handler());
    w.connect(url(first));
    ASSERT_TRUE(wait_for([&] { return w.connected_centers().size() == 2; }));

    // The host's session id on each center tells which center's view the handler shows.
    auto host_id = [](const center& on) {
        for (const auto& m : on.masters()) {
            if (m.name == "host") {
                return m.id;
            }
        }
        return std::string();
    };
    auto shown = [&] {
        std::lock_guard lock(lists.mutex);
        return lists.lists.empty() || lists.lists.back().size() != 1 ? std::string()
                                                                     : lists.lists.back()[0].master;
    };
    ASSERT_TRUE(wait_for([&] {
        const auto id = shown();
        return !id.empty() && (id == host_id(first) || id == host_id(second));
    }));
    const bool first_shown = shown() == host_id(first);
    center& stopping = first_shown ? first : second;
    const std::string other_id = host_id(first_shown ? second : first);
    stopping.stop();
    // The other center's view takes over without a gap: never an empty list in between.
    EXPECT_TRUE(wait_for([&] { return shown() == other_id; }));
    {
        std::lock_guard lock(lists.mutex);
        for (const auto& list : lists.lists) {
            EXPECT_EQ(list.size(), 1u);
        }
    }
    w.close();
    w.wait_closed(2s);
}

TEST_F(two_centers_test, follow_centers_off_keeps_the_master_on_the_centers_it_was_given) {
    center& second = start({});
    center& first = start({url(second)});
    master_config c;
    c.token = master_token;
    c.follow_centers = false;
    master_ = std::make_unique<master>(c);
    master_->connect(url(first));
    ASSERT_TRUE(wait_for([&] { return first.masters().size() == 1; }));
    // The centers message arrives right after auth-success; a follower would connect at once.
    // A discover round trip over the same connection comes after it.
    auto answered = std::make_shared<std::promise<void>>();
    master_->discover("http", {}, [answered](auto, auto) { answered->set_value(); });
    ASSERT_EQ(answered->get_future().wait_for(5s), std::future_status::ready);
    EXPECT_EQ(master_->connected_centers().size(), 1u);
    EXPECT_TRUE(second.masters().empty());
}

}  // namespace
}  // namespace regcenter::test
