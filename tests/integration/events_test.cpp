// GET /v1/events (docs/events.md, proto-spec/events.md) against an in-process center: the
// WebSocket and SSE transports, control messages, resume with since, too-old, the bound on a
// slow watcher, filters, refusals, and watchers closed by center::stop, with the event log's
// subscriber count checked after every way a watch can end.
#include <future>
#include <map>
#include <set>

#include <boost/json.hpp>

#include "center_state.hpp"
#include "event_log.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// One Server-Sent Events message; `id` empty when the message had none.
struct sse_message {
    std::string id;
    std::string event;
    std::string data;
};

// A streaming HTTP client for the SSE transport: the response header first, then the body as
// it comes (de-chunked by Beast's parser), cut into messages at blank lines.
class sse_client {
  public:
    sse_client(const tcp::endpoint& server, const std::string& target,
               const std::vector<std::pair<std::string, std::string>>& headers = {},
               const std::string& bearer = admin_token, http::verb method = http::verb::get)
        : stream_(ioc_) {
        parser_.body_limit(boost::none);
        http::request<http::empty_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::accept, "text/event-stream");
        if (!bearer.empty()) {
            req.set(http::field::authorization, "Bearer " + bearer);
        }
        for (const auto& [name, value] : headers) {
            req.set(name, value);
        }
        beast::error_code result;
        stream_.expires_after(5s);
        stream_.async_connect(server, [&](beast::error_code ec) {
            if (ec) {
                result = ec;
                return;
            }
            http::async_write(stream_, req, [&](beast::error_code write_ec, std::size_t) {
                if (write_ec) {
                    result = write_ec;
                    return;
                }
                http::async_read_header(stream_, buffer_, parser_,
                                        [&](beast::error_code ec, std::size_t) { result = ec; });
            });
        });
        ioc_.run();
        if (result) {
            throw std::system_error(result, "sse_client " + target);
        }
        if (parser_.get().result_int() != 200) {  // an error answer: read it whole
            ioc_.restart();
            http::async_read(stream_, buffer_, parser_,
                             [&](beast::error_code ec, std::size_t) { result = ec; });
            ioc_.run();
        }
        stream_.expires_never();
    }

    unsigned status() const { return parser_.get().result_int(); }
    std::string header(http::field f) const { return std::string(parser_.get()[f]); }
    std::string header(std::string_view name) const { return std::string(parser_.get()[name]); }
    json::value body_json() const { return json::parse(parser_.get().body()); }
    /// The body so far, de-chunked.
    const std::string& raw() const { return parser_.get().body(); }
    bool ended() const { return ended_; }

    /// The next message (comments skipped); nullopt once the response ended, or on timeout.
    std::optional<sse_message> next(std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const std::string& body = parser_.get().body();
            const auto end = body.find("\n\n", consumed_);
            if (end != std::string::npos) {
                const std::string block = body.substr(consumed_, end - consumed_);
                consumed_ = end + 2;
                sse_message m;
                bool any = false;
                std::size_t at = 0;
                while (at <= block.size()) {
                    const auto nl = std::min(block.find('\n', at), block.size());
                    const std::string line = block.substr(at, nl - at);
                    at = nl + 1;
                    if (line.empty() || line[0] == ':') {
                        continue;
                    }
                    const auto colon = line.find(": ");
                    const std::string field = line.substr(0, colon);
                    const std::string value =
                        colon == std::string::npos ? "" : line.substr(colon + 2);
                    any = true;
                    if (field == "id") {
                        m.id = value;
                    } else if (field == "event") {
                        m.event = value;
                    } else if (field == "data") {
                        m.data += value;
                    }
                }
                if (any) {
                    return m;
                }
                continue;
            }
            if (ended_ || parser_.is_done()) {
                ended_ = true;
                return std::nullopt;
            }
            const auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0s) {
                return std::nullopt;
            }
            beast::error_code result;
            bool done = false;
            stream_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(left));
            http::async_read_some(stream_, buffer_, parser_,
                                  [&](beast::error_code ec, std::size_t) {
                                      result = ec;
                                      done = true;
                                  });
            ioc_.restart();
            ioc_.run();
            stream_.expires_never();
            if (result == beast::error::timeout) {
                return std::nullopt;
            }
            if (result) {
                ended_ = true;  // end of stream, reset: nothing more will come
            }
        }
    }

    /// Reads until the body holds `part`; false on timeout or when the response ended.
    bool wait_raw(const std::string& part, std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (raw().find(part) == std::string::npos) {
            const auto left = deadline - std::chrono::steady_clock::now();
            if (left <= 0s || ended_ || parser_.is_done()) {
                return false;
            }
            beast::error_code result;
            stream_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(left));
            http::async_read_some(stream_, buffer_, parser_,
                                  [&](beast::error_code ec, std::size_t) { result = ec; });
            ioc_.restart();
            ioc_.run();
            stream_.expires_never();
            if (result) {
                ended_ = result != beast::error::timeout;
                return raw().find(part) != std::string::npos;
            }
        }
        return true;
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().close(ignored);
    }

  private:
    net::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::response_parser<http::string_body> parser_;
    std::size_t consumed_ = 0;
    bool ended_ = false;
};

class events_test : public center_test {
  protected:
    std::unique_ptr<ws_client> watch(const std::string& query = "", int receive_buffer = 0) {
        return std::make_unique<ws_client>(admin_ep(), "/v1/events" + query, 5s, admin_token,
                                           receive_buffer);
    }

    // The next text message as a JSON object; throws if something else came.
    static json::object next(ws_client& w, std::chrono::milliseconds timeout = 5s) {
        ws_read r = w.read(timeout);
        if (r.what != ws_read::kind::text) {
            throw std::runtime_error("expected a text message, got kind " +
                                     std::to_string(static_cast<int>(r.what)) + " close " +
                                     std::to_string(r.close_code) + " " + r.close_reason);
        }
        return json::parse(r.data).as_object();
    }

    static std::string str(const json::object& o, std::string_view key) {
        const json::value* v = o.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    }

    static std::uint64_t num(const json::object& o, std::string_view key) {
        return o.at(key).to_number<std::uint64_t>();
    }

    event_log& log() { return center_->state().events(); }

    // A raw master that registers `services` (a JSON array) with its auth; its session id.
    std::string join(ws_client& m, const std::string& name, const std::string& services) {
        m.send_text(R"({"cmd":"auth","token":")" + std::string(master_token) + R"(","name":")" +
                    name + R"(","services":)" + services + "}");
        const std::string id = std::get<proto::auth_success>(m.read_message()).session;
        std::get<proto::registered>(m.read_message());
        return id;
    }

    bool no_watchers_left() {
        return wait_for(
            [&] { return log().subscribers() == 0 && center_->state().watchers() == 0; });
    }
};

TEST_F(events_test, a_websocket_watcher_sees_a_master_come_and_go_in_order) {
    start_center();
    auto w = watch();
    const auto watching = next(*w);
    EXPECT_EQ(str(watching, "cmd"), "watching");
    EXPECT_TRUE(watching.at("since").is_null());
    EXPECT_EQ(num(watching, "last_index"), log().last_index());
    EXPECT_FALSE(str(watching, "run").empty());
    EXPECT_EQ(log().subscribers(), 1u);
    const std::uint64_t start = num(watching, "last_index");

    ws_client master(masters_ep());
    const std::string id = join(master, "web-1", R"([{"name":"http"},{"name":"db"}])");
    master.close(1000);

    std::vector<std::string> types;
    std::multiset<std::string> registered;
    std::multiset<std::string> removed;
    for (int i = 0; i < 6; ++i) {
        const auto e = next(*w);
        EXPECT_FALSE(e.contains("cmd")) << json::serialize(e);  // events have "type", not "cmd"
        EXPECT_EQ(num(e, "index"), start + 1 + static_cast<std::uint64_t>(i));
        EXPECT_EQ(str(e, "master"), id);
        EXPECT_EQ(str(e, "name"), "web-1");
        types.push_back(str(e, "type"));
        if (types.back() == "service-registered") {
            registered.insert(str(e, "service"));
        } else if (types.back() == "service-removed") {
            removed.insert(str(e, "service"));
            EXPECT_EQ(str(e, "reason"), "closed");
        } else if (types.back() == "master-disconnected") {
            EXPECT_EQ(str(e, "reason"), "closed");
        }
    }
    EXPECT_EQ(types, (std::vector<std::string>{"master-authenticated", "service-registered",
                                               "service-registered", "master-disconnected",
                                               "service-removed", "service-removed"}));
    EXPECT_EQ(registered, (std::multiset<std::string>{"db", "http"}));
    EXPECT_EQ(removed, (std::multiset<std::string>{"db", "http"}));

    w->close(1000);
    EXPECT_TRUE(no_watchers_left());
}

TEST_F(events_test, resuming_with_since_gets_exactly_the_missed_events) {
    start_center();
    auto first = watch();
    const std::uint64_t start = num(next(*first), "last_index");
    for (int i = 0; i < 3; ++i) {
        log().publish(event_type::tokens_changed, {{"n", i}});
    }
    const auto seen = next(*first);
    const std::uint64_t last_seen = num(seen, "index");
    EXPECT_EQ(last_seen, start + 1);
    first.reset();  // gone without a closing handshake
    ASSERT_TRUE(no_watchers_left());
    log().publish(event_type::tokens_changed, {{"n", 3}});  // while nobody watches

    auto second = watch("?since=" + std::to_string(last_seen));
    const auto watching = next(*second);
    EXPECT_EQ(str(watching, "cmd"), "watching");
    EXPECT_EQ(num(watching, "since"), last_seen);
    EXPECT_EQ(num(watching, "last_index"), start + 4);
    log().publish(event_type::tokens_changed, {{"n", 4}});  // live, after the backlog

    const auto history = log().since(last_seen);
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 4u);
    for (const auto& expected : *history) {
        ws_read r = second->read();
        ASSERT_EQ(r.what, ws_read::kind::text);
        EXPECT_EQ(r.data, expected->json());  // the event's own text, byte for byte
    }
    log().publish(event_type::tokens_changed, {{"n", 5}});
    EXPECT_EQ(num(next(*second), "index"), start + 6);  // nothing duplicated, nothing skipped
}

TEST_F(events_test, a_since_the_history_cannot_continue_gets_too_old_and_4410) {
    options_.event_history = 3;
    start_center();
    for (int i = 0; i < 6; ++i) {
        log().publish(event_type::tokens_changed, {{"n", i}});
    }
    auto w = watch("?since=1");
    const auto too_old = next(*w);
    EXPECT_EQ(str(too_old, "cmd"), "too-old");
    EXPECT_EQ(num(too_old, "since"), 1u);
    EXPECT_EQ(num(too_old, "first_index"), 4u);
    EXPECT_EQ(num(too_old, "last_index"), 6u);
    EXPECT_EQ(str(too_old, "message"),
              "events after 1 have left the history (the oldest kept is 4): re-list "
              "(GET /v1/services, GET /v1/masters), then watch again with since=6");
    EXPECT_EQ(w->wait_closed(), std::uint16_t{4410});

    auto ahead = watch("?since=600");  // an index of an earlier run of the center
    const auto beyond = next(*ahead);
    EXPECT_EQ(str(beyond, "cmd"), "too-old");
    EXPECT_NE(str(beyond, "message").find("beyond this center's newest event 6"),
              std::string::npos);
    EXPECT_EQ(ahead->wait_closed(), std::uint16_t{4410});

    auto fine = watch("?since=3");  // 4, 5, 6 are all kept
    EXPECT_EQ(str(next(*fine), "cmd"), "watching");
    EXPECT_EQ(num(next(*fine), "index"), 4u);
    fine.reset();

    sse_client sse(admin_ep(), "/v1/events?since=2");
    ASSERT_EQ(sse.status(), 200u);
    const auto m = sse.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->event, "too-old");
    EXPECT_TRUE(m->id.empty());  // nothing to resume from
    EXPECT_EQ(json::parse(m->data).at("first_index").as_int64(), 4);
    EXPECT_FALSE(sse.next());  // the response ended
    EXPECT_TRUE(sse.ended());
    sse.close();  // as a client does at the end of the response
    EXPECT_TRUE(no_watchers_left());
}

TEST_F(events_test, a_watcher_that_does_not_read_is_cut_as_lagged_and_nothing_grows) {
    options_.event_watcher_queue = 8;
    options_.event_history = 16;  // the big events below need not pile up in the history
    start_center();
    auto w = watch("", 4096);
    const std::uint64_t start = num(next(*w), "last_index");
    ASSERT_EQ(log().subscribers(), 1u);

    // The watcher reads nothing: the sockets' buffers fill, then its queue, and it is cut.
    const std::string pad(64 * 1024, 'x');
    for (int i = 0; i < 20000 && log().subscribers() > 0; ++i) {
        log().publish(event_type::tokens_changed, {{"pad", pad}});
    }
    ASSERT_TRUE(wait_for([&] { return log().subscribers() == 0; }));
    const std::uint64_t published = log().last_index() - start;
    EXPECT_GT(published, 8u);

    // What the sockets held arrives, in order and without gaps, then the lagged message.
    std::uint64_t last = start;
    json::object lagged;
    for (;;) {
        const auto m = next(*w, 10s);
        if (m.contains("cmd")) {
            lagged = m;
            break;
        }
        EXPECT_EQ(num(m, "index"), last + 1);
        last = num(m, "index");
    }
    EXPECT_LT(last - start, published);  // some were dropped, not queued without bound
    EXPECT_EQ(str(lagged, "cmd"), "lagged");
    EXPECT_EQ(num(lagged, "last_index"), last);
    EXPECT_EQ(str(lagged, "message"),
              "this watcher fell more than 8 events behind and was cut: "
              "reconnect with since=" +
                  std::to_string(last) + " to resync");
    EXPECT_EQ(w->wait_closed(), std::uint16_t{4409});
    EXPECT_TRUE(no_watchers_left());
}

TEST_F(events_test, type_and_service_filters_keep_only_matching_events) {
    start_center();
    auto db_registered = watch("?type=service-registered&service=db");
    auto sessions = watch("?type=master-authenticated,master-disconnected");
    auto unknown = watch("?service=nothing-by-this-name");
    next(*db_registered);
    next(*sessions);
    next(*unknown);

    ws_client a(masters_ep());
    const std::string ida = join(a, "a", R"([{"name":"http"},{"name":"db"}])");
    a.close(1000);
    ws_client b(masters_ep());
    const std::string idb = join(b, "b", R"([{"name":"db"}])");

    const auto first = next(*db_registered);
    EXPECT_EQ(str(first, "type"), "service-registered");
    EXPECT_EQ(str(first, "service"), "db");
    EXPECT_EQ(str(first, "master"), ida);
    const auto second = next(*db_registered);  // a's http and the removals were left out
    EXPECT_EQ(str(second, "master"), idb);
    EXPECT_EQ(str(second, "service"), "db");

    std::vector<std::pair<std::string, std::string>> seen;
    for (int i = 0; i < 3; ++i) {
        const auto e = next(*sessions);
        seen.emplace_back(str(e, "type"), str(e, "master"));
    }
    EXPECT_EQ(seen,
              (std::vector<std::pair<std::string, std::string>>{{"master-authenticated", ida},
                                                                {"master-disconnected", ida},
                                                                {"master-authenticated", idb}}));
    // Nothing so far was about that service: the first thing it gets is this.
    const std::uint64_t sentinel =
        log().publish(event_type::service_registered, {{"service", "nothing-by-this-name"}});
    EXPECT_EQ(num(next(*unknown), "index"), sentinel);

    // The backlog is filtered the same way.
    auto replay = watch("?since=0&type=master-disconnected");
    EXPECT_EQ(str(next(*replay), "cmd"), "watching");
    EXPECT_EQ(str(next(*replay), "master"), ida);
}

TEST_F(events_test, server_sent_events_carry_ids_types_and_resume_from_last_event_id) {
    start_center();
    for (int i = 0; i < 3; ++i) {
        log().publish(event_type::tokens_changed, {{"n", i}});  // 1, 2, 3
    }
    sse_client sse(admin_ep(), "/v1/events?since=1");
    ASSERT_EQ(sse.status(), 200u);
    EXPECT_EQ(sse.header(http::field::content_type), "text/event-stream");
    EXPECT_EQ(sse.header(http::field::cache_control), "no-cache");
    const auto watching = sse.next();
    ASSERT_TRUE(watching);
    EXPECT_EQ(watching->event, "watching");
    EXPECT_EQ(watching->id, "1");  // a reconnect before any event resumes from 1
    EXPECT_EQ(json::parse(watching->data).at("cmd"), "watching");
    EXPECT_EQ(json::parse(watching->data).at("since").as_int64(), 1);

    const auto history = log().since(1);
    ASSERT_TRUE(history && history->size() == 2u);
    for (const auto& expected : *history) {
        const auto m = sse.next();
        ASSERT_TRUE(m);
        EXPECT_EQ(m->id, std::to_string(expected->index));
        EXPECT_EQ(m->event, "tokens-changed");
        EXPECT_EQ(m->data, expected->json());
    }
    log().publish(event_type::tokens_changed, {{"n", 3}});  // 4, live
    const auto live = sse.next();
    ASSERT_TRUE(live);
    EXPECT_EQ(live->id, "4");
    // The exact wire form of one event.
    EXPECT_NE(sse.raw().find(
                  "id: 4\nevent: tokens-changed\ndata: " + log().since(3)->at(0)->json() + "\n\n"),
              std::string::npos)
        << sse.raw();

    // A browser's EventSource reconnects to the same URL with Last-Event-ID, which wins.
    sse_client resumed(admin_ep(), "/v1/events?since=1", {{"Last-Event-ID", "3"}});
    ASSERT_EQ(resumed.status(), 200u);
    const auto again = resumed.next();
    ASSERT_TRUE(again);
    EXPECT_EQ(json::parse(again->data).at("since").as_int64(), 3);
    const auto fourth = resumed.next();
    ASSERT_TRUE(fourth);
    EXPECT_EQ(fourth->id, "4");

    sse.close();
    resumed.close();
    EXPECT_TRUE(no_watchers_left());
}

TEST_F(events_test, a_quiet_server_sent_events_stream_gets_keep_alive_comments) {
    options_.event_keep_alive = 50ms;  // 15 s by default
    start_center();
    sse_client sse(admin_ep(), "/v1/events");
    ASSERT_TRUE(sse.next());  // watching
    const std::size_t after_watching = sse.raw().size();
    ASSERT_TRUE(sse.wait_raw(": keep-alive\n\n")) << sse.raw();
    EXPECT_EQ(sse.raw().find(": keep-alive\n\n"), after_watching);  // nothing else came first
    ASSERT_TRUE(sse.wait_raw(": keep-alive\n\n: keep-alive\n\n"));  // and again while quiet
    log().publish(event_type::tokens_changed, {});
    const auto event = sse.next();  // comments are not messages
    ASSERT_TRUE(event);
    EXPECT_EQ(event->event, "tokens-changed");
}

TEST_F(events_test, refusals_say_what_is_wrong) {
    start_center();
    const auto code_of = [](const sse_client& c) {
        return std::string(c.body_json().at("error").at("code").as_string());
    };
    const auto message_of = [](const sse_client& c) {
        return std::string(c.body_json().at("error").at("message").as_string());
    };

    sse_client no_token(admin_ep(), "/v1/events", {}, "");
    EXPECT_EQ(no_token.status(), 401u);
    EXPECT_FALSE(no_token.header(http::field::www_authenticate).empty());
    sse_client wrong_token(admin_ep(), "/v1/events", {}, "nope");
    EXPECT_EQ(wrong_token.status(), 401u);
    try {
        ws_client w(admin_ep(), "/v1/events", 5s, "nope");
        ADD_FAILURE() << "the upgrade was accepted without the admin token";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("HTTP 401"), std::string::npos) << e.what();
    }

    const auto plain = admin(http::verb::get, "/v1/events");
    EXPECT_EQ(plain.status, 406u);
    EXPECT_NE(plain.body.find("WebSocket"), std::string::npos) << plain.body;
    EXPECT_NE(plain.body.find("text/event-stream"), std::string::npos) << plain.body;
    EXPECT_EQ(admin(http::verb::post, "/v1/events").status, 405u);

    for (const char* since : {"abc", "-1", "1.5", "", "99999999999999999999999"}) {
        sse_client bad(admin_ep(), std::string("/v1/events?since=") + since);
        EXPECT_EQ(bad.status(), 400u) << since;
        EXPECT_EQ(code_of(bad), "bad-request");
        EXPECT_NE(message_of(bad).find("since must be an event index"), std::string::npos);
    }
    sse_client bad_type(admin_ep(), "/v1/events?type=service-registered,master-joined");
    EXPECT_EQ(bad_type.status(), 400u);
    EXPECT_NE(message_of(bad_type).find("unknown event type \"master-joined\""), std::string::npos)
        << message_of(bad_type);
    EXPECT_NE(message_of(bad_type).find("master-authenticated"), std::string::npos);
    sse_client bad_param(admin_ep(), "/v1/events?from=3");
    EXPECT_EQ(bad_param.status(), 400u);
    sse_client bad_service(admin_ep(), "/v1/events?service=no%20spaces");
    EXPECT_EQ(bad_service.status(), 400u);
    sse_client bad_last_id(admin_ep(), "/v1/events", {{"Last-Event-ID", "x"}});
    EXPECT_EQ(bad_last_id.status(), 400u);
    try {
        ws_client w(admin_ep(), "/v1/events?type=nope", 5s, admin_token);
        ADD_FAILURE() << "an unknown type was accepted";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("HTTP 400"), std::string::npos) << e.what();
    }
    EXPECT_EQ(log().subscribers(), 0u);
    EXPECT_EQ(center_->state().watchers(), 0u);
}

TEST_F(events_test, stopping_the_center_delivers_the_last_events_then_closes_with_1001) {
    start_center();
    ws_client master(masters_ep());
    const std::string id = join(master, "m", R"([{"name":"http"}])");
    auto w = watch();
    next(*w);
    sse_client sse(admin_ep(), "/v1/events");
    ASSERT_TRUE(sse.next());  // watching

    // The master reads (and so answers the center's close) on its own thread.
    auto master_closed = std::async(std::launch::async, [&] { return master.wait_closed(10s); });
    const auto began = std::chrono::steady_clock::now();
    auto stopped = std::async(std::launch::async, [&] { center_->stop(); });

    const auto disconnected = next(*w);
    EXPECT_EQ(str(disconnected, "type"), "master-disconnected");
    EXPECT_EQ(str(disconnected, "master"), id);
    EXPECT_EQ(str(disconnected, "reason"), "shutdown");
    EXPECT_EQ(str(next(*w), "type"), "service-removed");
    EXPECT_EQ(w->wait_closed(), std::uint16_t{1001});
    std::optional<sse_message> m;
    std::vector<std::string> sse_types;
    while ((m = sse.next())) {
        sse_types.push_back(m->event);
    }
    EXPECT_EQ(sse_types, (std::vector<std::string>{"master-disconnected", "service-removed"}));
    EXPECT_TRUE(sse.ended());
    sse.close();

    ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);  // closed, not waited out
    EXPECT_EQ(master_closed.get(), std::uint16_t{1001});
    EXPECT_EQ(log().subscribers(), 0u);
    EXPECT_EQ(center_->state().watchers(), 0u);
}

}  // namespace
}  // namespace regcenter::test
