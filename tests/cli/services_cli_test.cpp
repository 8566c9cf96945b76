// regcenterctl services and service NAME against a real regcenterd, with services registered
// over a raw master connection.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "cli_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(cli_test, services_and_service_list_and_filter_what_masters_registered) {
    start_daemon();
    ws_client a(masters_ep_);
    const std::string id = a.authenticate(cli_master_token, "web-1", {{"rack", "r1"}});
    a.send_text(R"({"cmd":"register","services":[{"name":"http","version":"1.2",)"
                R"("endpoints":["http://10.0.0.1:80"],"metadata":{"zone":"eu"}},)"
                R"({"name":"metrics"}]})");
    ASSERT_TRUE(std::holds_alternative<proto::registered>(a.read_message()));

    auto r = ctl({"services"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("SERVICE")) << r.out;
    EXPECT_TRUE(contains(r.out, "http ")) << r.out;
    EXPECT_TRUE(contains(r.out, "metrics ")) << r.out;

    r = ctl({"service", "http", "--meta", "zone=eu", "--label", "rack=r1"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.out, id)) << r.out;
    EXPECT_TRUE(contains(r.out, "http://10.0.0.1:80")) << r.out;
    EXPECT_TRUE(contains(r.out, "zone=eu")) << r.out;

    r = ctl({"service", "http", "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(json::parse(r.out).at("instances").as_array().size(), 1u);

    r = ctl({"service", "http", "--meta", "zone=us"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "no instance of http matches")) << r.err;

    r = ctl({"service", "http", "--meta", "zone"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "--meta: expected KEY=VALUE")) << r.err;
}

}  // namespace
}  // namespace regcenter::test
