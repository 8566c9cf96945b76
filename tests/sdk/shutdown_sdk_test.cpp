// The SDK honours a stopping center's going-away: it comes back after the center's delay, not
// after its own backoff draw.
#include <gtest/gtest.h>

#include <regex>

#include "center.hpp"
#include "regcenter/master.hpp"
#include "support/center_fixture.hpp"
#include "support/master_recorder.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

using namespace std::chrono_literals;

class shutdown_sdk_test : public center_test {};

TEST_F(shutdown_sdk_test, the_master_comes_back_when_the_stopping_center_asks) {
    options_.shutdown_reconnect_window = 400ms;
    start_center();
    recorder r;
    master_config c;
    c.token = master_token;
    c.retry_delay = 60s;  // without the hint, a reconnect could wait up to a minute
    c.logger = r.logger();
    c.min_log_level = log_level::info;
    master m(c);
    r.attach(m);
    m.connect("127.0.0.1", masters_ep().port());
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 1; }));

    const auto port = masters_ep().port();
    center_->stop();
    ASSERT_TRUE(r.wait([&] { return r.closes.size() == 1; }));
    std::string delay;  // copied out: the log vector may grow after the wait
    ASSERT_TRUE(r.wait([&] {
        static const std::regex asked(R"(reconnecting in (\d+) ms, as the center asked)");
        for (const auto& line : r.logs) {
            std::smatch match;
            if (std::regex_search(line, match, asked)) {
                delay = match[1];
                return true;
            }
        }
        return false;
    }));
    EXPECT_LT(std::stoi(delay), 400);

    options_.listen = "127.0.0.1:" + std::to_string(port);
    start_center();
    EXPECT_TRUE(r.wait([&] { return r.authenticated.size() == 2; }, 10s));
}

}  // namespace
}  // namespace regcenter::test
