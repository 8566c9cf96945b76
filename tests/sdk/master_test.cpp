// regcenter::master against the scripted fake center: auth, commands, reconnects, dead-center
// detection, leave, several centers and retry limits. Millisecond timeouts, ephemeral ports,
// and waits on conditions with deadlines.
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "regcenter/master.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/fake_center.hpp"
#include "support/master_recorder.hpp"

namespace regcenter {
namespace {

using namespace std::chrono_literals;
using test::fake_center;
using test::recorder;
using clock_type = std::chrono::steady_clock;

constexpr auto wait_limit = 5s;  // generous: only a failing test waits this long
const std::string token = "secret-token-1234";
const std::string session_id = "0123456789abcdef0123456789abcdef";

// `tweak` adjusts the settings a test is about, after the defaults are in.
master_config test_config(recorder& r, const std::function<void(master_config&)>& tweak = {}) {
    master_config c;
    c.token = token;
    c.name = "test-master";
    c.labels = {{"zone", "eu-1"}, {"role", "worker"}};
    c.retry_delay = 20ms;
    c.retry_delay_max = 100ms;
    c.connect_timeout = 2s;
    c.auth_timeout = 2s;
    c.close_timeout = 300ms;
    c.min_log_level = log_level::debug;
    c.logger = r.logger();
    if (tweak) {
        tweak(c);
    }
    return c;
}

// Takes the next message from the fake and checks it is a T.
template <class T>
std::optional<T> expect(fake_center& center, std::optional<std::size_t> connection = {}) {
    auto r = center.receive(wait_limit);
    if (!r) {
        ADD_FAILURE() << "nothing received from the SDK";
        return std::nullopt;
    }
    if (connection && r->connection != *connection) {
        ADD_FAILURE() << "message on connection " << r->connection << ", expected " << *connection;
    }
    if (const T* m = std::get_if<T>(&r->message)) {
        return *m;
    }
    ADD_FAILURE() << "unexpected message " << proto::encode(r->message);
    return std::nullopt;
}

// Answers the pending auth on the latest connection with auth-success.
std::optional<proto::auth> accept_auth(fake_center& center, double heartbeat = 20) {
    auto auth = expect<proto::auth>(center);
    if (auth) {
        center.send(
            proto::auth_success{std::string(proto::text::auth_successful), session_id, heartbeat});
    }
    return auth;
}

// Connects `m` to `center`, answers its auth and waits for on_authenticated: where most tests
// start. A false after the auth was accepted means the master never reported it.
bool connect_and_authenticate(master& m, fake_center& center, recorder& r) {
    m.connect(center.url());
    return accept_auth(center) && r.wait([&] { return r.authenticated.size() == 1; });
}

// A fake center, a recorder and a master reporting to it, in the order they must be built: the
// master's config needs the recorder's logger. The master is destroyed first, so its last close
// handler still finds the recorder and its leave still reaches the center. Nothing connects
// until the test says so, which leaves room to set up the center first.
struct fixture {
    explicit fixture(const std::function<void(master_config&)>& tweak = {})
        : m(test_config(r, tweak)) {
        r.attach(m);
    }

    // Connects and answers the auth without waiting for on_authenticated; returns that auth.
    std::optional<proto::auth> connect_and_accept(double heartbeat = 20) {
        m.connect(center.url());
        return accept_auth(center, heartbeat);
    }
    bool authenticate() { return connect_and_authenticate(m, center, r); }

    fake_center center;
    recorder r;
    master m;
};

// A retry delay of 200 ms whatever the attempt, so that a back-off of at least half of it shows.
void fixed_retry_delay(master_config& c) {
    c.retry_delay = 200ms;
    c.retry_delay_max = 200ms;
}

std::uint16_t closed_port() {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();  // closed again when acceptor goes
}

TEST(master, connect_authenticates_with_token_name_and_labels) {
    fixture f;
    auto auth = f.connect_and_accept();
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->token, token);
    EXPECT_EQ(auth->name, "test-master");
    EXPECT_EQ(auth->labels, (proto::label_map{{"role", "worker"}, {"zone", "eu-1"}}));
    EXPECT_EQ(f.center.user_agent(0), "regcenter-sdk/0.1");
    EXPECT_EQ(f.center.extensions(0), "");  // no permessage-deflate offer

    ASSERT_TRUE(f.r.wait([&] { return !f.r.authenticated.empty(); }));
    {
        auto lock = f.r.lock();
        EXPECT_EQ(f.r.connects, std::vector<std::string>{f.center.address()});
        EXPECT_EQ(f.r.authenticated.front(), std::make_pair(f.center.address(), session_id));
    }
    const auto centers = f.m.connected_centers();
    ASSERT_EQ(centers.size(), 1u);
    EXPECT_EQ(centers[0].address, f.center.address());
    EXPECT_TRUE(centers[0].authenticated);
    EXPECT_EQ(centers[0].session, session_id);

    f.m.close();
    EXPECT_TRUE(expect<proto::leave>(f.center));
    EXPECT_TRUE(f.m.wait_closed(wait_limit));
    auto lock = f.r.lock();
    EXPECT_TRUE(f.r.errors.empty());
    for (const auto& line : f.r.logs) {
        EXPECT_EQ(line.find(token), std::string::npos) << line;
    }
}

TEST(master, name_defaults_to_the_host_name) {
    fake_center center;
    recorder r;
    master m(test_config(r, [](master_config& c) { c.name.clear(); }));
    m.connect("127.0.0.1", center.port());

    std::array<char, 256> host{};
    ASSERT_EQ(::gethostname(host.data(), host.size() - 1), 0);
    auto auth = expect<proto::auth>(center);
    ASSERT_TRUE(auth);
    EXPECT_EQ(auth->name, std::string(host.data()));
}

TEST(master, auth_failed_is_reported_and_retried_after_a_backoff) {
    fixture f(fixed_retry_delay);
    f.m.connect(f.center.url());

    ASSERT_TRUE(expect<proto::auth>(f.center, 0));
    const auto rejected_at = clock_type::now();
    f.center.send(proto::auth_failed{std::string(proto::text::invalid_token)});
    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::auth_failed) == 1; }));
    // The SDK closes the rejected connection itself rather than waiting for the center.
    ASSERT_TRUE(f.center.wait_ended(0, wait_limit));
    EXPECT_EQ(f.center.peer_close_code(0), proto::close_code::normal);

    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
    // A rejection waits at least half the retry delay, however the jitter falls.
    EXPECT_GE(*f.center.accepted_at(1) - rejected_at, 100ms);
    ASSERT_TRUE(expect<proto::auth>(f.center, 1));
    f.center.send(proto::auth_failed{std::string(proto::text::invalid_token)});
    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::auth_failed) == 2; }));

    auto lock = f.r.lock();
    EXPECT_TRUE(f.r.authenticated.empty());
    for (const auto& line : f.r.logs) {
        EXPECT_EQ(line.find(token), std::string::npos) << line;
    }
}

TEST(master, auth_timeout_is_reported_and_retried) {
    fixture f([](master_config& c) { c.auth_timeout = 150ms; });
    f.m.connect(f.center.url());

    ASSERT_TRUE(expect<proto::auth>(f.center, 0));
    const auto sent_at = clock_type::now();
    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::auth_timeout) == 1; }));
    EXPECT_GE(clock_type::now() - sent_at, 100ms);
    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
    EXPECT_TRUE(expect<proto::auth>(f.center, 1));
}

TEST(master, handshake_that_never_completes_times_out) {
    fixture f([](master_config& c) { c.connect_timeout = 150ms; });
    f.center.set_accept_handshakes(false);
    f.m.connect(f.center.url());

    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::connect_timeout) >= 1; }));
    // ...and is retried.
    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::connect_timeout) >= 2; }));
    EXPECT_GE(f.center.tcp_connections(), 2u);
    EXPECT_EQ(f.center.connections(), 0u);
}

TEST(master, center_close_leads_to_reconnect) {
    fixture f;
    ASSERT_TRUE(f.authenticate());

    f.center.close(proto::close_code::going_away);
    ASSERT_TRUE(f.r.wait([&] { return f.r.closes.size() == 1; }));
    {
        auto lock = f.r.lock();
        EXPECT_EQ(f.r.closes[0].first, f.center.address());
        EXPECT_NE(f.r.closes[0].second.find("shutting down"), std::string::npos)
            << f.r.closes[0].second;
    }
    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
    ASSERT_TRUE(accept_auth(f.center));
    ASSERT_TRUE(f.r.wait([&] { return f.r.authenticated.size() == 2; }));
}

TEST(master, dropped_connection_leads_to_reconnect) {
    fixture f;
    ASSERT_TRUE(f.authenticate());

    f.center.drop();
    ASSERT_TRUE(f.r.wait([&] { return f.r.closes.size() == 1; }));
    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
    EXPECT_TRUE(expect<proto::auth>(f.center, 1));
}

TEST(master, no_reconnect_when_reconnect_on_close_is_off) {
    fixture f([](master_config& c) { c.reconnect_on_close = false; });
    ASSERT_TRUE(f.authenticate());

    f.center.close(proto::close_code::going_away);
    ASSERT_TRUE(f.r.wait([&] { return f.r.closes.size() == 1; }));
    // The link has ended for good, so there is nothing left that could reconnect.
    EXPECT_TRUE(f.m.wait_closed(wait_limit));
    EXPECT_EQ(f.center.tcp_connections(), 1u);
    EXPECT_TRUE(f.m.connected_centers().empty());
}

TEST(master, kick_is_not_undone_by_reconnecting) {
    fixture f;  // reconnect_on_close stays on
    ASSERT_TRUE(f.authenticate());

    f.center.close(proto::close_code::kicked);
    ASSERT_TRUE(f.r.wait([&] { return f.r.closes.size() == 1; }));
    {
        auto lock = f.r.lock();
        EXPECT_NE(f.r.closes[0].second.find("kicked"), std::string::npos) << f.r.closes[0].second;
    }
    EXPECT_TRUE(f.m.wait_closed(wait_limit));
    EXPECT_EQ(f.center.tcp_connections(), 1u);

    // The application may come back on purpose.
    f.m.connect(f.center.url());
    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
}

TEST(master, unrequested_normal_close_ends_the_link) {
    fixture f;
    ASSERT_TRUE(f.authenticate());

    f.center.close(proto::close_code::normal);
    EXPECT_TRUE(f.m.wait_closed(wait_limit));
    EXPECT_EQ(f.center.tcp_connections(), 1u);
}

TEST(master, policy_close_during_auth_backs_off_like_a_rejection) {
    fixture f(fixed_retry_delay);
    f.m.connect(f.center.url());

    ASSERT_TRUE(expect<proto::auth>(f.center, 0));
    const auto closed_at = clock_type::now();
    f.center.close(proto::close_code::policy_violation);
    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
    EXPECT_GE(*f.center.accepted_at(1) - closed_at, 100ms);
    auto lock = f.r.lock();
    ASSERT_EQ(f.r.closes.size(), 1u);
    EXPECT_NE(f.r.closes[0].second.find("1008"), std::string::npos) << f.r.closes[0].second;
}

TEST(master, ping_is_answered_with_pong) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept());

    f.center.send(proto::ping{});
    EXPECT_TRUE(expect<proto::pong>(f.center, 0));
}

TEST(master, unknown_command_goes_to_on_command) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept());

    f.center.send(proto::unknown{"deploy", {{"version", "1.2.3"}, {"replicas", 3}}});
    ASSERT_TRUE(f.r.wait([&] { return !f.r.commands.empty(); }));
    auto lock = f.r.lock();
    EXPECT_EQ(f.r.commands[0].cmd, "deploy");
    EXPECT_EQ(f.r.commands[0].message.at("version").as_string(), "1.2.3");
    EXPECT_EQ(f.r.commands[0].message.at("replicas").as_int64(), 3);
}

TEST(master, center_error_goes_to_on_error) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept());

    f.center.send(proto::error{std::string(proto::error_code::unknown_command), "no such thing"});
    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::center_error) == 1; }));
    {
        auto lock = f.r.lock();
        EXPECT_EQ(f.r.errors[0].context, "no such thing");
    }
    // The connection stays usable.
    f.center.send(proto::ping{});
    EXPECT_TRUE(expect<proto::pong>(f.center, 0));
    EXPECT_EQ(f.center.connections(), 1u);
}

TEST(master, garbage_is_a_protocol_error_but_not_fatal) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept());

    f.center.send_text("this is not json");
    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::protocol_error) == 1; }));
    f.center.send(proto::ping{});
    EXPECT_TRUE(expect<proto::pong>(f.center, 0));
}

TEST(master, silent_center_is_detected_as_dead_and_reconnected) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept(0.1));  // dead after 2.5 * 0.1 s of silence
    const auto answered_at = clock_type::now();
    f.center.freeze();

    ASSERT_TRUE(f.r.wait([&] { return f.r.count_errors(master_errc::heartbeat_timeout) == 1; }));
    EXPECT_GE(clock_type::now() - answered_at, 240ms);
    ASSERT_TRUE(f.r.wait([&] { return f.r.closes.size() == 1; }));
    ASSERT_TRUE(f.center.wait_connections(2, wait_limit));
    ASSERT_TRUE(accept_auth(f.center));
    ASSERT_TRUE(f.r.wait([&] { return f.r.authenticated.size() == 2; }));
}

TEST(master, center_pings_keep_the_link_alive) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept(0.1));

    // WebSocket pings only, no messages, for well beyond the 250 ms limit.
    const auto until = clock_type::now() + 750ms;
    while (clock_type::now() < until) {
        f.center.ping();
        std::this_thread::sleep_for(30ms);
    }
    auto lock = f.r.lock();
    EXPECT_EQ(f.r.count_errors(master_errc::heartbeat_timeout), 0u);
    EXPECT_TRUE(f.r.closes.empty());
    EXPECT_EQ(f.center.connections(), 1u);
}

TEST(master, silent_but_healthy_center_is_pinged_and_kept) {
    fixture f;
    ASSERT_TRUE(f.connect_and_accept(0.1));

    // The fake sends nothing on its own but answers pings, as a center does towards a master
    // that talks to it: the SDK's own pings (after one heartbeat of silence) keep the link.
    ASSERT_TRUE(f.center.wait_pings(0, 5, wait_limit));
    auto lock = f.r.lock();
    EXPECT_EQ(f.r.count_errors(master_errc::heartbeat_timeout), 0u);
    EXPECT_TRUE(f.r.closes.empty());
    EXPECT_EQ(f.center.connections(), 1u);
}

TEST(master, close_sends_leave_and_completes_when_the_center_closes) {
    fixture f([](master_config& c) { c.close_timeout = 5s; });
    f.center.set_close_on_leave(false);
    ASSERT_TRUE(f.authenticate());

    f.m.close();
    ASSERT_TRUE(expect<proto::leave>(f.center, 0));
    EXPECT_FALSE(f.m.wait_closed(50ms));  // still waiting for the center
    f.center.close(proto::close_code::normal);
    EXPECT_TRUE(f.m.wait_closed(wait_limit));
    {
        auto lock = f.r.lock();
        ASSERT_EQ(f.r.closes.size(), 1u);
        EXPECT_EQ(f.r.closes[0], std::make_pair(f.center.address(), std::string("left")));
        EXPECT_TRUE(f.r.errors.empty());
    }
    EXPECT_TRUE(f.m.connected_centers().empty());
    EXPECT_EQ(f.center.tcp_connections(), 1u);
}

TEST(master, close_gives_up_waiting_after_close_timeout) {
    fixture f([](master_config& c) { c.close_timeout = 200ms; });
    f.center.set_close_on_leave(false);
    ASSERT_TRUE(f.authenticate());

    const auto closed_at = clock_type::now();
    f.m.close();
    ASSERT_TRUE(expect<proto::leave>(f.center, 0));
    EXPECT_TRUE(f.m.wait_closed(wait_limit));
    EXPECT_GE(clock_type::now() - closed_at, 190ms);
    auto lock = f.r.lock();
    ASSERT_EQ(f.r.closes.size(), 1u);
    EXPECT_NE(f.r.closes[0].second.find("not confirmed"), std::string::npos)
        << f.r.closes[0].second;
}

TEST(master, close_while_waiting_to_reconnect_stops_at_once) {
    recorder r;
    master m(test_config(r, [](master_config& c) {
        c.retry_delay = 60s;
        c.retry_delay_max = 60s;
    }));
    r.attach(m);
    m.connect("127.0.0.1", closed_port());
    ASSERT_TRUE(r.wait([&] { return r.errors.size() == 1; }));
    m.close();
    EXPECT_TRUE(m.wait_closed(wait_limit));
}

TEST(master, destructor_leaves) {
    fake_center center;
    recorder r;
    {
        master m(test_config(r));
        r.attach(m);
        ASSERT_TRUE(connect_and_authenticate(m, center, r));
    }
    EXPECT_TRUE(expect<proto::leave>(center, 0));
    EXPECT_TRUE(center.wait_ended(0, wait_limit));
    // The close handler ran before the destructor returned.
    auto lock = r.lock();
    ASSERT_EQ(r.closes.size(), 1u);
    EXPECT_EQ(r.closes[0].second, "left");
}

TEST(master, destructor_before_auth_closes_the_web_socket) {
    fake_center center;
    recorder r;
    {
        master m(test_config(r));
        m.connect(center.url());
        ASSERT_TRUE(expect<proto::auth>(center, 0));
    }
    EXPECT_TRUE(center.wait_ended(0, wait_limit));
    EXPECT_EQ(center.peer_close_code(0), proto::close_code::normal);
    EXPECT_EQ(center.pending(), 0u);
}

TEST(master, serves_two_centers_independently) {
    fake_center a;
    fake_center b;
    recorder r;
    master m(test_config(r));
    r.attach(m);
    m.connect(a.url());
    m.connect("127.0.0.1", b.port());
    ASSERT_TRUE(accept_auth(a));
    ASSERT_TRUE(accept_auth(b));
    ASSERT_TRUE(r.wait([&] { return r.authenticated.size() == 2; }));

    auto centers = m.connected_centers();
    ASSERT_EQ(centers.size(), 2u);
    std::set<std::string> addresses;
    for (const auto& c : centers) {
        EXPECT_TRUE(c.authenticated);
        addresses.insert(c.address);
    }
    EXPECT_EQ(addresses, (std::set<std::string>{a.address(), b.address()}));

    // Losing one leaves the other alone.
    a.close(proto::close_code::going_away);
    ASSERT_TRUE(r.wait([&] { return r.closes.size() == 1; }));
    b.send(proto::ping{});
    EXPECT_TRUE(expect<proto::pong>(b, 0));
    EXPECT_EQ(b.connections(), 1u);
    ASSERT_TRUE(a.wait_connections(2, wait_limit));
}

TEST(master, same_address_twice_is_a_no_op) {
    fixture f;
    f.m.connect(f.center.url());
    f.m.connect(f.center.url());
    f.m.connect("ws://" + f.center.address());
    f.m.connect("127.0.0.1", f.center.port());
    ASSERT_TRUE(accept_auth(f.center));
    ASSERT_TRUE(f.r.wait([&] { return f.r.authenticated.size() == 1; }));
    EXPECT_FALSE(f.center.wait_connections(2, 200ms));
    EXPECT_EQ(f.center.tcp_connections(), 1u);
    EXPECT_EQ(f.m.connected_centers().size(), 1u);
}

TEST(master, retries_exhausted_after_the_configured_attempts) {
    recorder r;
    master m(test_config(r, [](master_config& c) {
        c.retry_attempts = 3;
        c.retry_delay = 10ms;
    }));
    r.attach(m);
    const std::uint16_t port = closed_port();
    m.connect("127.0.0.1", port);

    ASSERT_TRUE(r.wait([&] { return r.count_errors(master_errc::retries_exhausted) == 1; }));
    EXPECT_TRUE(m.wait_closed(wait_limit));
    {
        auto lock = r.lock();
        ASSERT_EQ(r.errors.size(), 4u);  // three refused connects, then the verdict
        for (std::size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(r.errors[i].ec, boost::asio::error::connection_refused);
        }
        EXPECT_EQ(r.errors[3].context, "127.0.0.1:" + std::to_string(port));
        EXPECT_TRUE(is_fatal(r.errors[3].ec));
    }

    // connect() again starts the given-up center afresh.
    m.connect("127.0.0.1", port);
    ASSERT_TRUE(r.wait([&] { return r.count_errors(master_errc::retries_exhausted) == 2; }));
}

TEST(master, set_retry_settings_applies_to_later_attempts) {
    recorder r;
    master m(test_config(r));
    r.attach(m);
    m.set_retry_settings(2, 5ms);
    m.connect("127.0.0.1", closed_port());
    ASSERT_TRUE(r.wait([&] { return r.count_errors(master_errc::retries_exhausted) == 1; }));
    auto lock = r.lock();
    EXPECT_EQ(r.errors.size(), 3u);
}

TEST(master, invalid_url_throws) {
    recorder r;
    master m(test_config(r));
    for (const char* url : {"", "127.0.0.1:8010", "http://127.0.0.1:8010", "ws://127.0.0.1",
                            "ws://127.0.0.1:0", "ws://127.0.0.1:8010/v2/master"}) {
        EXPECT_THROW(m.connect(std::string_view(url)), std::invalid_argument) << url;
    }
    EXPECT_THROW(m.connect("", 8010), std::invalid_argument);
    EXPECT_TRUE(m.connected_centers().empty());
    EXPECT_TRUE(m.wait_closed(0ms));
}

TEST(master, caller_io_context_runs_handlers_on_its_threads) {
    fake_center center;
    net::io_context ioc;
    auto work = net::make_work_guard(ioc);
    std::vector<std::thread> threads;
    std::set<std::thread::id> ids;
    for (int i = 0; i < 2; ++i) {
        threads.emplace_back([&] { ioc.run(); });
        ids.insert(threads.back().get_id());
    }

    recorder r;
    {
        master m(ioc, test_config(r));
        r.attach(m);
        ASSERT_TRUE(connect_and_authenticate(m, center, r));
        center.send(proto::unknown{"hello", {}});
        ASSERT_TRUE(r.wait([&] { return r.commands.size() == 1; }));
        m.close();
        EXPECT_TRUE(m.wait_closed(wait_limit));
    }
    {
        auto lock = r.lock();
        for (const auto& id : r.threads) {
            EXPECT_TRUE(ids.count(id)) << "a handler ran outside the caller's io_context";
        }
        EXPECT_EQ(r.closes.size(), 1u);
    }
    work.reset();
    for (auto& t : threads) {
        t.join();
    }
}

}  // namespace
}  // namespace regcenter
