// master::register_service / remove_service: against the real in-process center (registration,
// replacement, removal, auth carrying the services, re-registration after a center restart) and
// against the scripted fake center (what goes on the wire, refusals reported).
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>

#include "regcenter/master.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/service.hpp"
#include "support/center_fixture.hpp"
#include "support/fake_center.hpp"
#include "support/master_recorder.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;

service_info http_service(std::string version = "1.4.2") {
    service_info s;
    s.name = "http";
    s.version = std::move(version);
    s.endpoints = {"http://10.0.0.7:8080"};
    s.metadata = {{"zone", "eu-1"}, {"protocol", "http/1.1"}};
    return s;
}

service_info named(std::string name) {
    service_info s;
    s.name = std::move(name);
    return s;
}

class service_center_test : public center_test {
  protected:
    void SetUp() override { start_center(); }

    void TearDown() override {
        master_.reset();
        center_test::TearDown();
    }

    // A master reporting to r_; it does not connect yet.
    master& make_master() {
        master_config c;
        c.token = master_token;
        c.name = "service-master";
        c.retry_delay = 20ms;
        c.retry_delay_max = 200ms;
        c.close_timeout = 1s;
        c.logger = r_.logger();
        master_ = std::make_unique<master>(c);
        r_.attach(*master_);
        return *master_;
    }

    void connect_and_wait() {
        master_->connect("127.0.0.1", masters_ep().port());
        ASSERT_TRUE(r_.wait([&] { return r_.authenticated.size() == 1; }));
    }

    std::string session(std::size_t index = 0) {
        auto lock = r_.lock();
        return r_.authenticated.at(index).second;
    }

    // The instances of `name` the center has, all of them.
    std::vector<indexed_instance> instances(const std::string& name) {
        return center_->state().services().instances(name);
    }

    // Whether the center has exactly one instance of `name`, of session `id`, at `version`.
    bool has_one(const std::string& name, const std::string& id, const std::string& version) {
        const auto list = instances(name);
        return list.size() == 1 && list[0].master == id && list[0].service.version == version;
    }

    std::size_t count_logs(std::string_view text) {
        auto lock = r_.lock();
        return std::count_if(r_.logs.begin(), r_.logs.end(), [&](const std::string& line) {
            return line.find(text) != std::string::npos;
        });
    }

    // A master that registered http and metrics before connecting, once the center has both.
    master& connect_with_two_services(std::string& id) {
        master& m = make_master();
        m.register_service(http_service());
        m.register_service(named("metrics"));
        connect_and_wait();
        id = session();
        EXPECT_TRUE(
            wait_for([&] { return has_one("http", id, "1.4.2") && has_one("metrics", id, ""); }));
        return m;
    }

    recorder r_;
    std::unique_ptr<master> master_;
};

TEST_F(service_center_test, services_registered_before_connect_go_with_auth) {
    std::string id;
    connect_with_two_services(id);
    const auto http = instances("http").at(0);
    EXPECT_EQ(http.service, http_service());
    EXPECT_EQ(http.master_name, "service-master");

    const auto listed = admin(http::verb::get, "/v1/services/http");
    ASSERT_EQ(listed.status, 200u);
    const auto body = boost::json::parse(listed.body).as_object();
    const auto& list = body.at("instances").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("master").as_string(), id);
    EXPECT_EQ(list[0].at("version").as_string(), "1.4.2");
    EXPECT_EQ(list[0].at("endpoints").as_array().at(0).as_string(), "http://10.0.0.7:8080");
    EXPECT_EQ(list[0].at("metadata").at("zone").as_string(), "eu-1");

    // Carried by auth: no separate register went out.
    EXPECT_EQ(count_logs("registering"), 0u);
    auto lock = r_.lock();
    EXPECT_TRUE(r_.errors.empty()) << r_.errors.front().context;
}

TEST_F(service_center_test, a_service_registered_while_connected_appears_without_reconnect) {
    master& m = make_master();
    connect_and_wait();
    const std::string id = session();
    EXPECT_TRUE(instances("http").empty());

    m.register_service(http_service());
    ASSERT_TRUE(wait_for([&] { return has_one("http", id, "1.4.2"); }));
    EXPECT_EQ(m.services(), std::vector<service_info>{http_service()});
    auto lock = r_.lock();
    EXPECT_EQ(r_.authenticated.size(), 1u);
    EXPECT_TRUE(r_.closes.empty());
    EXPECT_TRUE(r_.errors.empty());
}

TEST_F(service_center_test, registering_again_replaces_the_version) {
    master& m = make_master();
    m.register_service(http_service("1.0"));
    connect_and_wait();
    const std::string id = session();
    ASSERT_TRUE(wait_for([&] { return has_one("http", id, "1.0"); }));

    m.register_service(http_service("2.0"));
    ASSERT_TRUE(wait_for([&] { return has_one("http", id, "2.0"); }));
    EXPECT_EQ(center_->state().services().instance_count(), 1u);

    // The same service again changes nothing and sends nothing.
    const std::size_t registers = count_logs("registering");
    m.register_service(http_service("2.0"));
    EXPECT_EQ(count_logs("registering"), registers);
}

TEST_F(service_center_test, remove_service_removes_it_from_the_center) {
    std::string id;
    master& m = connect_with_two_services(id);

    EXPECT_TRUE(m.remove_service("http"));
    ASSERT_TRUE(wait_for([&] { return instances("http").empty(); }));
    EXPECT_TRUE(has_one("metrics", id, ""));
    EXPECT_FALSE(m.remove_service("http"));
    EXPECT_FALSE(m.remove_service("never-registered"));
    EXPECT_EQ(m.services(), std::vector<service_info>{named("metrics")});

    // Removed and added back before the center heard of either: it ends up registered.
    EXPECT_TRUE(m.remove_service("metrics"));
    m.register_service(named("metrics"));
    m.register_service(named("late"));
    ASSERT_TRUE(wait_for([&] { return has_one("late", id, ""); }));
    EXPECT_TRUE(has_one("metrics", id, ""));
}

TEST_F(service_center_test, services_come_back_after_the_center_restarts) {
    master& m = make_master();
    m.register_service(http_service());
    const auto port = masters_ep().port();
    connect_and_wait();
    m.register_service(named("metrics"));  // after auth: sent with register
    ASSERT_TRUE(wait_for([&] { return instances("metrics").size() == 1; }));

    center_->stop();
    ASSERT_TRUE(r_.wait([&] { return r_.closes.size() == 1; }));
    options_.listen = "127.0.0.1:" + std::to_string(port);
    start_center();
    EXPECT_TRUE(instances("http").empty()) << "a new center starts empty";

    // The application does nothing: the reconnect's auth carries both.
    ASSERT_TRUE(r_.wait([&] { return r_.authenticated.size() == 2; }, 10s));
    const std::string id = session(1);
    EXPECT_NE(id, session(0));
    ASSERT_TRUE(
        wait_for([&] { return has_one("http", id, "1.4.2") && has_one("metrics", id, ""); }));
    EXPECT_EQ(instances("http").at(0).service, http_service());
}

TEST_F(service_center_test, a_master_that_leaves_takes_its_services_along) {
    master& m = make_master();
    m.register_service(http_service());
    connect_and_wait();
    ASSERT_TRUE(wait_for([&] { return instances("http").size() == 1; }));
    m.close();
    ASSERT_TRUE(m.wait_closed(5s));
    EXPECT_TRUE(instances("http").empty());
    EXPECT_EQ(m.services().size(), 1u) << "the master still knows its services";
}

TEST_F(service_center_test, invalid_services_throw_and_are_not_kept) {
    master& m = make_master();
    EXPECT_THROW(m.register_service(named("bad name")), std::invalid_argument);
    EXPECT_THROW(m.register_service(named("")), std::invalid_argument);
    EXPECT_THROW(m.register_service(named(std::string(129, 'a'))), std::invalid_argument);
    EXPECT_THROW(m.register_service(named("a:b")), std::invalid_argument);  // ':' is for actions
    auto long_version = http_service(std::string(65, '1'));
    EXPECT_THROW(m.register_service(long_version), std::invalid_argument);
    auto many_endpoints = http_service();
    many_endpoints.endpoints.assign(33, "host:1");
    EXPECT_THROW(m.register_service(many_endpoints), std::invalid_argument);
    auto empty_key = http_service();
    empty_key.metadata[""] = "x";
    EXPECT_THROW(m.register_service(empty_key), std::invalid_argument);

    try {
        m.register_service(named("bad name"));
        ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("\"bad name\""), std::string::npos) << what;
        EXPECT_NE(what.find("invalid-name"), std::string::npos) << what;
        EXPECT_NE(what.find("A-Z a-z 0-9 . _ -"), std::string::npos) << what;
    }
    EXPECT_TRUE(m.services().empty());

    // The limits themselves are fine.
    m.register_service(named(std::string(128, 'a')));
    m.register_service(http_service(std::string(64, '1')));
    EXPECT_EQ(m.services().size(), 2u);
}

TEST_F(service_center_test, limit_is_enforced_and_a_full_set_reaches_the_center) {
    master& m = make_master();
    for (std::size_t i = 0; i + 1 < max_services; ++i) {
        m.register_service(named("svc-" + std::to_string(i)));
    }
    m.register_service(http_service("1.0"));
    EXPECT_THROW(m.register_service(named("one-too-many")), std::length_error);
    m.register_service(http_service("2.0"));  // replacing at the limit is fine
    EXPECT_EQ(m.services().size(), max_services);

    connect_and_wait();
    const std::string id = session();
    ASSERT_TRUE(
        wait_for([&] { return center_->state().services().of_master(id).size() == max_services; }));
    EXPECT_TRUE(has_one("http", id, "2.0"));

    // Swapping one for another at the limit: the remove goes out before the register.
    EXPECT_TRUE(m.remove_service("svc-0"));
    m.register_service(named("swapped-in"));
    ASSERT_TRUE(wait_for([&] { return has_one("swapped-in", id, ""); }));
    EXPECT_TRUE(instances("svc-0").empty());
    auto lock = r_.lock();
    EXPECT_EQ(r_.count_errors(master_errc::service_refused), 0u);
}

TEST_F(service_center_test, changes_from_several_threads_converge) {
    master& m = make_master();
    connect_and_wait();
    const std::string id = session();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&m, t] {
            for (int i = 0; i < 40; ++i) {
                const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
                m.register_service(named(name));
                if (i % 3 == 0) {
                    m.remove_service(name);
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::vector<service_info> expected = m.services();
    ASSERT_EQ(expected.size(), 4u * 26u);
    ASSERT_TRUE(wait_for([&] { return center_->state().services().of_master(id) == expected; }));
    auto lock = r_.lock();
    EXPECT_EQ(r_.count_errors(master_errc::protocol_error), 0u);
    EXPECT_EQ(r_.count_errors(master_errc::service_refused), 0u);
}

// What goes on the wire, and a refusal reported, against the scripted center.
TEST(service_fake_center_test, auth_carries_services_and_a_refusal_is_reported) {
    fake_center center;
    recorder r;
    master_config c;
    c.token = master_token;
    c.retry_delay = 20ms;
    c.close_timeout = 300ms;
    c.logger = r.logger();
    auto m = std::make_unique<master>(c);
    r.attach(*m);
    m->register_service(http_service());
    m->connect(center.url());

    auto got = center.receive(5s);
    ASSERT_TRUE(got);
    const auto* auth = std::get_if<proto::auth>(&got->message);
    ASSERT_NE(auth, nullptr) << proto::encode(got->message);
    ASSERT_EQ(auth->services.size(), 1u);
    EXPECT_EQ(auth->services[0], boost::json::value(proto::to_json(http_service())));
    center.send(proto::auth_success{std::string(proto::text::auth_successful),
                                    "0123456789abcdef0123456789abcdef", 20});
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));

    // The answer to auth's services, with one refusal: reported, and nothing else happens.
    center.send(proto::registered{{{"http", false, "too-many-services", "no room"}}, nullptr});
    center.send(proto::removed{{"gone"}, nullptr});
    ASSERT_TRUE(r.wait([&] { return r.count_errors(master_errc::service_refused) == 1; }));
    {
        auto lock = r.lock();
        const auto& e = r.errors.back();
        EXPECT_NE(e.context.find(center.address()), std::string::npos) << e.context;
        EXPECT_NE(e.context.find("\"http\""), std::string::npos) << e.context;
        EXPECT_NE(e.context.find("too-many-services"), std::string::npos) << e.context;
        EXPECT_NE(e.context.find("no room"), std::string::npos) << e.context;
        EXPECT_EQ(r.count_errors(master_errc::protocol_error), 0u);
        EXPECT_TRUE(r.commands.empty());
    }

    // A change goes out as register / remove.
    m->register_service(named("metrics"));
    got = center.receive(5s);
    ASSERT_TRUE(got);
    const auto* reg = std::get_if<proto::register_services>(&got->message);
    ASSERT_NE(reg, nullptr) << proto::encode(got->message);
    ASSERT_EQ(reg->services.size(), 1u);
    EXPECT_EQ(reg->services[0], boost::json::value(proto::to_json(named("metrics"))));

    EXPECT_TRUE(m->remove_service("http"));
    got = center.receive(5s);
    ASSERT_TRUE(got);
    const auto* rem = std::get_if<proto::remove_services>(&got->message);
    ASSERT_NE(rem, nullptr) << proto::encode(got->message);
    EXPECT_EQ(rem->service, std::optional<std::string>("http"));
    m.reset();
}

}  // namespace
}  // namespace regcenter::test
