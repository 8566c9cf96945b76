// regcenter::master's actions and streams (proto-spec/actions.md) against the scripted fake
// center: advertising, stream-open dispatch, data both ways with flow control, end, error, close,
// connection loss and many streams on one link. Millisecond timeouts, ephemeral ports, and waits
// on conditions with deadlines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "regcenter/action_stream.hpp"
#include "regcenter/master.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/fake_center.hpp"
#include "support/master_recorder.hpp"

namespace regcenter {
namespace {

using namespace std::chrono_literals;
using test::fake_center;
using test::recorder;

constexpr auto wait_limit = 5s;  // generous: only a failing test waits this long
constexpr std::size_t window = proto::streams::initial_window;
constexpr std::size_t max_payload = proto::streams::max_data_payload;
const std::string session_id = "0123456789abcdef0123456789abcdef";

master_config test_config(recorder& r) {
    master_config c;
    c.token = "secret-token-1234";
    c.name = "action-master";
    c.retry_delay = 20ms;
    c.retry_delay_max = 100ms;
    c.connect_timeout = 2s;
    c.auth_timeout = 2s;
    c.close_timeout = 300ms;
    c.reconnect_on_close = false;
    c.min_log_level = log_level::debug;
    c.logger = r.logger();
    return c;
}

// Takes the next frame from the fake and checks it is a T.
template <class T>
std::optional<T> expect(fake_center& center) {
    auto r = center.receive(wait_limit);
    if (!r) {
        ADD_FAILURE() << "nothing received from the SDK";
        return std::nullopt;
    }
    if (const T* m = std::get_if<T>(&r->message)) {
        return *m;
    }
    ADD_FAILURE() << "unexpected message " << proto::encode(r->message);
    return std::nullopt;
}

// Deterministic bytes that differ per stream and position, so mixed-up frames show.
std::string pattern(std::size_t size, std::uint32_t seed) {
    std::string out(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (char& c : out) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return out;
}

std::uint64_t fnv1a(std::string_view bytes) {
    std::uint64_t h = 1469598103934665603ull;
    for (const char c : bytes) {
        h = (h ^ static_cast<std::uint8_t>(c)) * 1099511628211ull;
    }
    return h;
}

// What the SDK sent on streams, as the fake saw it.
struct transcript {
    std::map<proto::stream_id, std::string> data;
    std::set<proto::stream_id> ended;
    std::map<proto::stream_id, std::uint64_t> credit;
    std::vector<proto::stream_error> errors;
    std::vector<proto::message> other;
    std::size_t largest_frame = 0;
    bool data_after_end = false;

    void take(const fake_center::received& r) {
        if (r.data) {
            largest_frame = std::max(largest_frame, r.data->payload.size());
            data_after_end = data_after_end || ended.contains(r.data->stream);
            data[r.data->stream] += r.data->payload;
        } else if (const auto* end = std::get_if<proto::stream_end>(&r.message)) {
            ended.insert(end->stream);
        } else if (const auto* c = std::get_if<proto::stream_credit>(&r.message)) {
            credit[c->stream] += c->bytes;
        } else if (const auto* e = std::get_if<proto::stream_error>(&r.message)) {
            errors.push_back(*e);
        } else {
            other.push_back(r.message);
        }
    }
};

// Reads from the fake until `done()` holds or nothing arrives for `quiet`.
template <class Done>
bool collect(fake_center& center, transcript& t, Done done,
             std::chrono::milliseconds quiet = wait_limit) {
    while (!done()) {
        auto r = center.receive(quiet);
        if (!r) {
            return done();
        }
        t.take(*r);
    }
    return true;
}

// Takes whatever arrives within `quiet`.
void drain(fake_center& center, transcript& t, std::chrono::milliseconds quiet = 100ms) {
    collect(
        center, t, [] { return false; }, quiet);
}

// What the action handlers saw, for the test thread to wait on.
struct stream_events {
    struct error_event {
        proto::stream_id stream;
        std::string code;
        std::string message;
    };

    template <class F>
    void add(F f) {
        {
            std::lock_guard lock(mutex);
            f();
        }
        cv.notify_all();
    }
    template <class Predicate>
    bool wait(Predicate p, std::chrono::milliseconds timeout = wait_limit) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, p);
    }
    std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex); }

    // Keeps the stream and reports its errors: a handler for streams a test drives by hand.
    action_handler keeper() {
        return [this](std::shared_ptr<action_stream> s) {
            const proto::stream_id id = s->id();
            s->on_error([this, id](const std::string& code, const std::string& message) {
                add([&] { errors.push_back({id, code, message}); });
            });
            s->on_end([this] { add([&] { ++ends; }); });
            add([&] { streams.push_back(std::move(s)); });
        };
    }

    std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::shared_ptr<action_stream>> streams;
    std::vector<error_event> errors;
    int ends = 0;
    int drains = 0;
    std::size_t written = 0;
    std::size_t buffered_when_full = 0;
};

// Streams its input back, holding credit while its own output can't keep up.
void echo(std::shared_ptr<action_stream> s) {
    action_stream* raw = s.get();  // callbacks only run while the stream is alive
    s->on_data([raw](std::string_view bytes) {
        if (!raw->write(bytes)) {
            raw->hold_credit();
        }
    });
    s->on_drain([raw] { raw->release_credit(); });
    s->on_end([raw] { raw->end(); });
}

struct fixture {
    fixture() : m(test_config(r)) { r.attach(m); }

    std::optional<proto::auth> connect_and_accept() {
        m.connect(center.url());
        auto auth = expect<proto::auth>(center);
        if (auth) {
            center.send(
                proto::auth_success{std::string(proto::text::auth_successful), session_id, 20});
        }
        return auth;
    }
    bool authenticate() {
        return connect_and_accept() && r.wait([&] { return r.authenticated.size() == 1; });
    }
    // A ping answered by a pong proves the link alive and that nothing else was queued before.
    bool ping_pong() {
        center.send(proto::ping{});
        return expect<proto::pong>(center).has_value();
    }
    void open(proto::stream_id id, std::string action, boost::json::value args = nullptr) {
        center.send(proto::stream_open{id, std::move(action), std::move(args)});
    }

    fake_center center;
    recorder r;
    master m;
};

TEST(actions, auth_advertises_registered_actions) {
    fixture f;
    f.m.handle_call(
        "load", [](const boost::json::value&, std::string) { return "{}"; }, "host load average");
    f.m.handle("echo", echo, "returns its input",
               boost::json::object{{"type", "object"}, {"properties", boost::json::object{}}});
    auto auth = f.connect_and_accept();
    ASSERT_TRUE(auth);
    ASSERT_TRUE(auth->actions.has_value());
    ASSERT_EQ(auth->actions->size(), 2u);
    EXPECT_EQ((*auth->actions)[0].name, "echo");  // sorted by name
    EXPECT_EQ((*auth->actions)[0].description, "returns its input");
    ASSERT_TRUE((*auth->actions)[0].args_schema);
    EXPECT_EQ((*auth->actions)[0].args_schema->at("type"), "object");
    EXPECT_EQ((*auth->actions)[1].name, "load");
    EXPECT_EQ((*auth->actions)[1].description, "host load average");
    EXPECT_FALSE((*auth->actions)[1].args_schema);
}

TEST(actions, auth_carries_an_empty_list_without_actions) {
    fixture f;
    auto auth = f.connect_and_accept();
    ASSERT_TRUE(auth);
    ASSERT_TRUE(auth->actions.has_value());  // the capability is signalled all the same
    EXPECT_TRUE(auth->actions->empty());
}

TEST(actions, changes_after_auth_are_advertised) {
    fixture f;
    f.m.handle("echo", echo, "returns its input");
    ASSERT_TRUE(f.authenticate());

    f.m.handle("echo", echo, "returns its input");  // the same definition: nothing to say
    f.m.handle("cat", echo);
    auto update = expect<proto::actions_update>(f.center);
    ASSERT_TRUE(update);
    ASSERT_EQ(update->actions.size(), 2u);
    EXPECT_EQ(update->actions[0].name, "cat");
    EXPECT_EQ(update->actions[1].name, "echo");

    EXPECT_TRUE(f.m.remove_action("echo"));
    update = expect<proto::actions_update>(f.center);
    ASSERT_TRUE(update);
    ASSERT_EQ(update->actions.size(), 1u);
    EXPECT_EQ(update->actions[0].name, "cat");

    EXPECT_FALSE(f.m.remove_action("echo"));
    EXPECT_TRUE(f.ping_pong());
}

TEST(actions, names_and_limits_are_checked) {
    fixture f;
    auto add = [&](std::string name) { f.m.handle(std::move(name), echo); };
    EXPECT_THROW(add(""), std::invalid_argument);
    EXPECT_THROW(add("two words"), std::invalid_argument);
    EXPECT_THROW(add("slash/name"), std::invalid_argument);
    EXPECT_THROW(add("caf\xc3\xa9"), std::invalid_argument);
    EXPECT_THROW(add(std::string(129, 'a')), std::invalid_argument);
    EXPECT_NO_THROW(add(std::string(128, 'a')));
    EXPECT_NO_THROW(add("Az09._:-"));
    EXPECT_THROW(f.m.handle("x", echo, std::string(1025, 'd')), std::invalid_argument);
    EXPECT_THROW(f.m.handle("x", action_handler{}), std::invalid_argument);
    EXPECT_THROW(f.m.handle_call("x", call_handler{}), std::invalid_argument);
    for (int i = 0; i < 254; ++i) {
        add("a" + std::to_string(i));
    }
    EXPECT_THROW(add("one-too-many"), std::length_error);
    EXPECT_NO_THROW(add("a0"));  // replacing is fine at the limit
}

TEST(actions, echo_round_trip) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    f.m.handle("echo", [&](std::shared_ptr<action_stream> s) {
        ev.add([&] { ev.streams.push_back(s); });
        echo(std::move(s));
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "echo", boost::json::object{{"upper", true}});
    f.center.send_data(1, "hello");
    f.center.send_data(1, "");
    f.center.send_data(1, " world");
    f.center.send(proto::stream_end{1});
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return t.ended.contains(1); }));
    EXPECT_EQ(t.data[1], "hello world");
    EXPECT_FALSE(t.data_after_end);
    EXPECT_TRUE(t.errors.empty());

    ASSERT_TRUE(ev.wait([&] { return ev.streams.size() == 1; }));
    auto lock = ev.lock();
    EXPECT_EQ(ev.streams[0]->action(), "echo");
    EXPECT_EQ(ev.streams[0]->id(), 1u);
    EXPECT_EQ(ev.streams[0]->center(), f.center.address());
    EXPECT_EQ(ev.streams[0]->args(), (boost::json::object{{"upper", true}}));
    // Both directions ended: the stream is finished and drops what is written afterwards.
    EXPECT_FALSE(ev.streams[0]->write("late"));
}

TEST(actions, call_handlers_get_the_whole_input) {
    fixture f;
    f.m.handle_call("upper", [](const boost::json::value& args, std::string input) {
        std::transform(input.begin(), input.end(), input.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        return std::string(args.at("prefix").as_string()) + input;
    });
    f.m.handle_call("sum", [](const boost::json::value&, std::string input) {
        std::int64_t sum = 0;
        std::size_t pos = 0;
        while (pos < input.size()) {
            std::size_t used = 0;
            sum += std::stoll(input.substr(pos), &used);
            pos += used;
        }
        return std::to_string(sum);
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "upper", boost::json::object{{"prefix", ">"}});
    f.open(2, "sum");
    f.center.send_data(1, "hello, ");
    f.center.send_data(2, "1 2 3");
    f.center.send_data(1, "streams");
    f.center.send_data(2, " 40 -4");
    f.center.send(proto::stream_end{2});
    f.center.send(proto::stream_end{1});
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return t.ended.size() == 2; }));
    EXPECT_EQ(t.data[1], ">HELLO, STREAMS");
    EXPECT_EQ(t.data[2], "42");
    EXPECT_TRUE(t.errors.empty());
}

// "inline_input" in auth: the center may put a small call's input and end in its stream-open.
TEST(actions, an_open_that_carries_the_input_and_the_end_runs_the_call) {
    fixture f;
    f.m.handle_call("upper", [](const boost::json::value&, std::string input) {
        std::transform(input.begin(), input.end(), input.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        return input;
    });
    auto auth = f.connect_and_accept();
    ASSERT_TRUE(auth);
    EXPECT_TRUE(auth->wants_inline_input);

    f.center.send(proto::stream_open{3, "upper", nullptr, "one frame", true});
    proto::stream_open without_input{4, "upper", nullptr};
    without_input.end = true;
    f.center.send(without_input);
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return t.ended.size() == 2; }));
    EXPECT_EQ(t.data[3], "ONE FRAME");
    EXPECT_EQ(t.data[4], "");
    EXPECT_TRUE(t.errors.empty());
}

TEST(actions, unknown_action_is_reported) {
    fixture f;
    ASSERT_TRUE(f.authenticate());
    f.open(7, "no-such-action");
    auto e = expect<proto::stream_error>(f.center);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->stream, 7u);
    EXPECT_EQ(e->code, proto::stream_error_code::unknown_action);
    EXPECT_NE(e->message.find("no-such-action"), std::string::npos) << e->message;
    // Data and an end in flight for it are discarded silently.
    f.center.send_data(7, "x");
    f.center.send(proto::stream_end{7});
    EXPECT_TRUE(f.ping_pong());
}

TEST(actions, a_throwing_handler_fails_the_stream_not_the_link) {
    fixture f;
    f.m.handle("boom", [](std::shared_ptr<action_stream> s) {
        s->write("never sent");
        throw std::runtime_error("kaboom");
    });
    f.m.handle_call("bad-call", [](const boost::json::value&, std::string) -> std::string {
        throw std::runtime_error("call went wrong");
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "boom");
    auto e = expect<proto::stream_error>(f.center);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->stream, 1u);
    EXPECT_EQ(e->code, proto::stream_error_code::action_failed);
    EXPECT_EQ(e->message, "kaboom");

    f.open(2, "bad-call");
    f.center.send(proto::stream_end{2});
    e = expect<proto::stream_error>(f.center);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->stream, 2u);
    EXPECT_EQ(e->code, proto::stream_error_code::action_failed);
    EXPECT_EQ(e->message, "call went wrong");

    EXPECT_TRUE(f.ping_pong());
    const auto centers = f.m.connected_centers();
    ASSERT_EQ(centers.size(), 1u);
    EXPECT_TRUE(centers[0].authenticated);
    auto lock = f.r.lock();
    EXPECT_EQ(f.r.closes.size(), 0u);
}

TEST(actions, a_reused_stream_id_is_a_duplicate) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    f.m.handle("keep", ev.keeper());
    f.m.handle("echo", echo);
    ASSERT_TRUE(f.authenticate());

    f.open(3, "keep");
    ASSERT_TRUE(ev.wait([&] { return ev.streams.size() == 1; }));
    f.open(3, "echo");
    auto e = expect<proto::stream_error>(f.center);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->stream, 3u);
    EXPECT_EQ(e->code, proto::stream_error_code::duplicate_stream);
    // The error names the id, so the stream already open is over too.
    ASSERT_TRUE(ev.wait([&] { return ev.errors.size() == 1; }));
    {
        auto lock = ev.lock();
        EXPECT_EQ(ev.errors[0].code, proto::stream_error_code::duplicate_stream);
    }

    // An id of a finished stream counts as reused too.
    f.open(4, "echo");
    f.center.send(proto::stream_end{4});
    auto end = expect<proto::stream_end>(f.center);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->stream, 4u);
    f.open(4, "echo");
    e = expect<proto::stream_error>(f.center);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->stream, 4u);
    EXPECT_EQ(e->code, proto::stream_error_code::duplicate_stream);
}

TEST(actions, the_sdk_sends_no_more_than_the_window_before_credit) {
    const std::string output = pattern(2 * 1024 * 1024, 7);  // outlives the master
    fixture f;
    f.m.handle("gen", [&](std::shared_ptr<action_stream> s) {
        // Ignores write()'s answer on purpose: 2 MiB stays below hard_limit().
        for (std::size_t pos = 0; pos < output.size(); pos += 10000) {
            s->write(std::string_view(output).substr(pos, 10000));
        }
        s->end();
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "gen");
    transcript t;
    std::uint64_t granted = window;
    ASSERT_TRUE(collect(f.center, t, [&] { return t.data[1].size() >= granted; }));
    drain(f.center, t, 150ms);  // anything beyond the window would arrive now
    EXPECT_EQ(t.data[1].size(), window);
    EXPECT_FALSE(t.ended.contains(1));

    while (!t.ended.contains(1)) {
        ASSERT_EQ(t.data[1].size(), granted) << "sent beyond its credit";
        // Credit in two halves, as a center consuming in batches would.
        f.center.send(proto::stream_credit{1, window / 2});
        f.center.send(proto::stream_credit{1, window / 2});
        granted += window;
        ASSERT_TRUE(collect(f.center, t, [&] {
            return t.data[1].size() >= std::min<std::uint64_t>(granted, output.size()) &&
                   (t.data[1].size() < output.size() || t.ended.contains(1));
        }));
    }
    EXPECT_EQ(t.data[1].size(), output.size());
    EXPECT_EQ(fnv1a(t.data[1]), fnv1a(output));
    EXPECT_TRUE(t.data[1] == output);
    EXPECT_LE(t.largest_frame, max_payload);
    EXPECT_FALSE(t.data_after_end);
    EXPECT_TRUE(t.errors.empty());
}

TEST(actions, the_sdk_grants_credit_as_data_is_consumed) {
    fixture f;
    f.m.handle_call("count", [](const boost::json::value&, std::string input) {
        return std::to_string(input.size()) + " " + std::to_string(fnv1a(input));
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "count");
    const std::string input = pattern(1024 * 1024, 3);
    std::uint64_t credit = window;
    std::size_t sent = 0;
    transcript t;
    while (sent < input.size()) {
        if (credit >= max_payload) {
            f.center.send_data(1, std::string_view(input).substr(sent, max_payload));
            sent += max_payload;
            credit -= max_payload;
            continue;
        }
        // Out of credit: the SDK must grant more as the handler consumes.
        auto r = f.center.receive(wait_limit);
        ASSERT_TRUE(r) << "no credit after " << sent << " bytes";
        t.take(*r);
        credit = window + t.credit[1] - sent;
    }
    f.center.send(proto::stream_end{1});
    ASSERT_TRUE(collect(f.center, t, [&] { return t.ended.contains(1); }));
    EXPECT_EQ(t.data[1], std::to_string(input.size()) + " " + std::to_string(fnv1a(input)));
    EXPECT_GE(t.credit[1], input.size() - window);
    EXPECT_TRUE(t.errors.empty());
}

TEST(actions, a_center_exceeding_the_window_gets_flow_control) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    f.m.handle("held", [&](std::shared_ptr<action_stream> s) {
        s->hold_credit();  // consumes nothing as far as the center is concerned
        ev.keeper()(std::move(s));
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "held");
    const std::string frame(max_payload, 'x');
    for (std::size_t sent = 0; sent < window; sent += max_payload) {
        f.center.send_data(1, frame);
    }
    f.center.send_data(1, "!");
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return !t.errors.empty(); }));
    EXPECT_EQ(t.errors[0].stream, 1u);
    EXPECT_EQ(t.errors[0].code, proto::stream_error_code::flow_control);
    EXPECT_EQ(t.credit[1], 0u);  // credit was held
    ASSERT_TRUE(ev.wait([&] { return ev.errors.size() == 1; }));
    auto lock = ev.lock();
    EXPECT_EQ(ev.errors[0].code, proto::stream_error_code::flow_control);
}

TEST(actions, held_credit_is_granted_on_release) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    f.m.handle("held", [&](std::shared_ptr<action_stream> s) {
        s->hold_credit();
        ev.keeper()(std::move(s));
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "held");
    const std::string frame(max_payload, 'x');
    for (std::size_t sent = 0; sent < window; sent += max_payload) {
        f.center.send_data(1, frame);
    }
    transcript t;
    drain(f.center, t, 150ms);
    EXPECT_EQ(t.credit[1], 0u);
    ASSERT_TRUE(ev.wait([&] { return ev.streams.size() == 1; }));
    {
        auto lock = ev.lock();
        ev.streams[0]->release_credit();
    }
    ASSERT_TRUE(collect(f.center, t, [&] { return t.credit[1] == window; }));
}

// Serves "keep" (streams the application holds on to) and opens streams 1..count on it.
bool open_kept_streams(fixture& f, stream_events& ev, proto::stream_id count) {
    f.m.handle("keep", ev.keeper());
    if (!f.authenticate()) {
        return false;
    }
    for (proto::stream_id id = 1; id <= count; ++id) {
        f.open(id, "keep");
    }
    return ev.wait([&] { return ev.streams.size() == count; });
}

TEST(actions, stream_close_and_error_from_the_center_reach_on_error) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    ASSERT_TRUE(open_kept_streams(f, ev, 2));
    f.center.send(proto::stream_close{1});
    f.center.send(proto::stream_error{2, "timeout", "the operator's deadline passed"});
    ASSERT_TRUE(ev.wait([&] { return ev.errors.size() == 2; }));
    {
        auto lock = ev.lock();
        EXPECT_EQ(ev.errors[0].stream, 1u);
        EXPECT_EQ(ev.errors[0].code, "closed");
        EXPECT_EQ(ev.errors[1].stream, 2u);
        EXPECT_EQ(ev.errors[1].code, "timeout");
        EXPECT_EQ(ev.errors[1].message, "the operator's deadline passed");
        EXPECT_FALSE(ev.streams[0]->write("ignored"));
    }
    // Nothing is answered to either, and late frames for them are discarded.
    f.center.send_data(1, "late");
    f.center.send(proto::stream_credit{2, 10});
    EXPECT_TRUE(f.ping_pong());
}

TEST(actions, the_application_can_fail_and_close_streams) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    ASSERT_TRUE(open_kept_streams(f, ev, 2));
    {
        auto lock = ev.lock();
        ev.streams[0]->fail("bad input", "bad-args");
        ev.streams[1]->close();
    }
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return !t.errors.empty() && !t.other.empty(); }));
    EXPECT_EQ(t.errors[0].stream, 1u);
    EXPECT_EQ(t.errors[0].code, "bad-args");
    EXPECT_EQ(t.errors[0].message, "bad input");
    const auto* close = std::get_if<proto::stream_close>(&t.other[0]);
    ASSERT_TRUE(close);
    EXPECT_EQ(close->stream, 2u);
    auto lock = ev.lock();
    EXPECT_TRUE(ev.errors.empty());  // the application asked for it
}

TEST(actions, connection_loss_fails_open_streams) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    ASSERT_TRUE(open_kept_streams(f, ev, 2));
    f.center.drop();
    ASSERT_TRUE(ev.wait([&] { return ev.errors.size() == 2; }));
    auto lock = ev.lock();
    for (const auto& e : ev.errors) {
        EXPECT_EQ(e.code, "disconnected");
        EXPECT_NE(e.message.find(f.center.address()), std::string::npos) << e.message;
    }
    for (const auto& s : ev.streams) {
        EXPECT_FALSE(s->write("after the loss"));
        s->end();
        s->fail("too late");
    }
}

TEST(actions, many_streams_share_one_link_without_cross_talk) {
    fixture f;
    f.m.handle("echo", echo);
    ASSERT_TRUE(f.authenticate());

    constexpr proto::stream_id streams = 50;
    std::map<proto::stream_id, std::string> inputs;
    for (proto::stream_id id = 1; id <= streams; ++id) {
        inputs[id] = pattern(100 * 1000 + id, id);
        f.open(id, "echo");
    }
    // Interleaved, in pieces of different sizes per stream.
    for (std::size_t pos = 0; pos < 101 * 1000; pos += 20000) {
        for (proto::stream_id id = 1; id <= streams; ++id) {
            const std::string& in = inputs[id];
            if (pos < in.size()) {
                f.center.send_data(id, std::string_view(in).substr(pos, 20000));
            }
            if (pos + 20000 >= in.size() && pos < in.size()) {
                f.center.send(proto::stream_end{id});
            }
        }
    }
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return t.ended.size() == streams; }));
    for (proto::stream_id id = 1; id <= streams; ++id) {
        EXPECT_TRUE(t.data[id] == inputs[id]) << "stream " << id;
    }
    EXPECT_TRUE(t.errors.empty());
    EXPECT_FALSE(t.data_after_end);
}

TEST(actions, write_reports_the_high_water_mark_and_drain_follows_credit) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    f.m.handle("flood", [&](std::shared_ptr<action_stream> s) {
        const std::string piece(max_payload, 'f');
        std::size_t written = 0;
        do {
            written += piece.size();
        } while (s->write(piece));
        ev.add([&] {
            ev.written = written;
            ev.buffered_when_full = s->buffered();
        });
        action_stream* raw = s.get();
        s->on_drain([&ev, raw] {
            ev.add([&] { ++ev.drains; });
            raw->end();
        });
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "flood");
    ASSERT_TRUE(ev.wait([&] { return ev.written > 0; }));
    {
        auto lock = ev.lock();
        EXPECT_GT(ev.written, action_stream::high_water_mark());
        EXPECT_LE(ev.written, action_stream::high_water_mark() + max_payload);
        EXPECT_GT(ev.buffered_when_full, action_stream::high_water_mark() - window);
        EXPECT_EQ(ev.drains, 0);
    }
    // Credit each frame as it arrives, as a center whose operator reads fast would.
    transcript t;
    std::size_t credited = 0;
    while (!t.ended.contains(1)) {
        auto r = f.center.receive(wait_limit);
        ASSERT_TRUE(r) << "stuck after " << t.data[1].size() << " bytes";
        t.take(*r);
        if (t.data[1].size() > credited) {
            f.center.send(proto::stream_credit{1, t.data[1].size() - credited});
            credited = t.data[1].size();
        }
    }
    auto lock = ev.lock();
    EXPECT_EQ(ev.drains, 1);
    EXPECT_EQ(t.data[1].size(), ev.written);
    EXPECT_TRUE(t.errors.empty());
}

TEST(actions, writing_past_the_hard_limit_fails_with_stalled) {
    stream_events ev;  // outlives the master, whose thread reports to it
    fixture f;
    f.m.handle("runaway", [&](std::shared_ptr<action_stream> s) {
        ev.keeper()(s);
        const std::string piece(1024 * 1024, 'r');
        std::size_t written = 0;
        while (written <= action_stream::hard_limit()) {
            s->write(piece);
            written += piece.size();
        }
    });
    ASSERT_TRUE(f.authenticate());

    f.open(1, "runaway");
    transcript t;
    ASSERT_TRUE(collect(f.center, t, [&] { return !t.errors.empty(); }));
    EXPECT_EQ(t.errors[0].code, proto::stream_error_code::stalled);
    EXPECT_LE(t.data[1].size(), window);
    ASSERT_TRUE(ev.wait([&] { return ev.errors.size() == 1; }));
    auto lock = ev.lock();
    EXPECT_EQ(ev.errors[0].code, proto::stream_error_code::stalled);
}

}  // namespace
}  // namespace regcenter
