// The operator workloads against regcenterd, through its admin API only: POST
// /v1/actions/echo (fan-out), the call endpoint GET /v1/calls (unicast calls, WebSocket) and the
// stream endpoint GET /v1/masters/{id}/actions/sink/stream (WebSocket). One io_context, one
// thread, long-lived connections: the same shape as a scripted operator, without its start-up
// costs.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <stdexcept>
#include <string_view>

#include "operator.hpp"
#include "payload.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/common/websocket_writes.hpp"

namespace regcenter::bench {
namespace {

using namespace net::experimental::awaitable_operators;
using clock = std::chrono::steady_clock;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

double micros_since(clock::time_point t) {
    return std::chrono::duration<double, std::micro>(clock::now() - t).count();
}

// One keep-alive HTTP connection to the admin API.
class admin_client {
  public:
    admin_client(net::io_context& ioc, const operator_options& o)
        : stream_(ioc), o_(o), authorization_("Bearer " + o.token) {}

    net::awaitable<void> connect() {
        const tcp::endpoint admin{net::ip::make_address(o_.host), o_.port};
        auto [ec] = co_await stream_.async_connect(admin, use_tuple);
        if (ec) {
            throw std::runtime_error("cannot connect to the admin API at " + o_.host + ":" +
                                     std::to_string(o_.port) + ": " + ec.message());
        }
        stream_.socket().set_option(tcp::no_delay(true));
    }

    /// Sends one request and reads the whole answer; throws on I/O errors.
    net::awaitable<http::response<http::string_body>> request(http::verb verb, std::string target,
                                                              std::string body = {}) {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, o_.host);
        req.set(http::field::authorization, authorization_);
        if (!body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = std::move(body);
        }
        req.prepare_payload();
        auto [write_ec, w] = co_await http::async_write(stream_, req, use_tuple);
        http::response_parser<http::string_body> parser;
        parser.body_limit(512u << 20);  // a 10k fan-out answers a few MB
        auto [read_ec, r] = co_await http::async_read(stream_, buffer_, parser, use_tuple);
        if (write_ec || read_ec) {
            throw std::runtime_error(target + ": " + (write_ec ? write_ec : read_ec).message());
        }
        co_return parser.release();
    }

  private:
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    const operator_options& o_;
    std::string authorization_;
};

// Runs `tasks` concurrently; returns when all have finished, rethrowing the first failure.
net::awaitable<void> join_all(net::io_context& ioc, std::vector<net::awaitable<void>> tasks) {
    std::size_t running = tasks.size();
    std::exception_ptr failure;
    net::steady_timer all_done(ioc, clock::time_point::max());
    for (auto& task : tasks) {
        net::co_spawn(ioc, std::move(task), [&](std::exception_ptr e) {
            if (e && !failure) {
                failure = e;
            }
            if (--running == 0) {
                all_done.cancel();
            }
        });
    }
    if (running > 0) {
        co_await all_done.async_wait(use_tuple);
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
}

[[noreturn]] void unexpected(const std::string& what, const http::response<http::string_body>& r) {
    throw std::runtime_error(what + " answered " + std::to_string(r.result_int()) + ": " +
                             r.body().substr(0, 300));
}

// The ids of the connected masters, in connection order (GET /v1/masters).
net::awaitable<std::vector<std::string>> master_ids(admin_client& admin) {
    auto r = co_await admin.request(http::verb::get, "/v1/masters");
    if (r.result() != http::status::ok) {
        unexpected("GET /v1/masters", r);
    }
    std::vector<std::string> ids;
    const auto list = boost::json::parse(r.body());
    for (const auto& m : list.at("masters").as_array()) {
        ids.emplace_back(m.at("id").as_string());
    }
    co_return ids;
}

std::string echo_body() {
    return boost::json::serialize(
        boost::json::object{{"input", payload::small()}, {"timeout_ms", 60000}});
}

net::awaitable<void> fanout(net::io_context& ioc, const operator_options& o, operator_result& r) {
    admin_client admin(ioc, o);
    co_await admin.connect();
    const std::string body = echo_body();
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    for (int i = 0; i < o.repeat; ++i) {
        const auto t = clock::now();
        auto answer = co_await admin.request(http::verb::post, "/v1/actions/echo", body);
        r.samples_us.push_back(micros_since(t));
        if (answer.result() != http::status::ok) {
            unexpected("POST /v1/actions/echo", answer);
        }
        const auto job = boost::json::parse(answer.body());
        const auto ok = job.at("summary").at("ok").to_number<std::uint64_t>();
        if (ok != o.masters) {
            throw std::runtime_error("fan-out " + std::to_string(i) + ": " + std::to_string(ok) +
                                     " of " + std::to_string(o.masters) + " masters answered ok");
        }
    }
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
    r.operations = static_cast<std::uint64_t>(o.repeat);
}

// Calls on the call endpoint, GET /v1/calls (one WebSocket), as a script keeping calls in
// flight would: `o.callers` calls sent at once, each answer sending that caller's next call,
// as the NATS operator's callers share one connection.
net::awaitable<void> unicast_calls(net::io_context& ioc, const operator_options& o,
                                   const std::vector<std::string>& ids, operator_result& r) {
    websocket::stream<beast::tcp_stream> ws(ioc);
    const tcp::endpoint admin{net::ip::make_address(o.host), o.port};
    auto [connect_ec] = co_await beast::get_lowest_layer(ws).async_connect(admin, use_tuple);
    if (connect_ec) {
        throw std::runtime_error("GET /v1/calls: " + connect_ec.message());
    }
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
    ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
        req.set(http::field::authorization, "Bearer " + o.token);
    }));
    write_whole_frames(ws, beast::role_type::client);
    auto [handshake_ec] = co_await ws.async_handshake(o.host, "/v1/calls", use_tuple);
    if (handshake_ec) {
        throw std::runtime_error("GET /v1/calls: " + handshake_ec.message());
    }
    std::vector<std::string> calls;
    for (std::size_t i = 0; i < o.callers; ++i) {
        calls.push_back(boost::json::serialize(boost::json::object{{"id", i},
                                                                   {"master", ids[i % ids.size()]},
                                                                   {"action", "echo"},
                                                                   {"input", payload::small()},
                                                                   {"timeout_ms", 60000}}));
    }
    const std::string expected =
        "\"output\":" + boost::json::serialize(boost::json::string(payload::small()));
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    const auto until = begin + std::chrono::duration_cast<clock::duration>(
                                   std::chrono::duration<double>(o.seconds));
    // Latency samples with one caller only: with many, they measure queueing.
    const bool sample = calls.size() == 1;
    std::vector<clock::time_point> sent(calls.size());
    ws.text(true);
    for (std::size_t i = 0; i < calls.size(); ++i) {
        sent[i] = clock::now();
        co_await ws.async_write(net::buffer(calls[i]), net::use_awaitable);
    }
    beast::flat_buffer buffer;
    for (std::size_t outstanding = calls.size(); outstanding > 0;) {
        auto [read_ec, n] = co_await ws.async_read(buffer, use_tuple);
        if (read_ec) {
            throw std::runtime_error("GET /v1/calls: " + read_ec.message());
        }
        // Substring checks and the id read by hand: the operator must not become the bottleneck.
        const std::string_view answer(static_cast<const char*>(buffer.data().data()),
                                      buffer.size());
        constexpr std::string_view id_prefix = "{\"id\":";
        std::size_t caller = 0;
        const auto [end, ec] = std::from_chars(answer.data() + id_prefix.size(),
                                               answer.data() + answer.size(), caller);
        if (!answer.starts_with(id_prefix) || ec != std::errc{} || caller >= calls.size() ||
            answer.find(expected) == std::string_view::npos) {
            throw std::runtime_error("GET /v1/calls answered " +
                                     std::string(answer.substr(0, 300)));
        }
        buffer.consume(buffer.size());
        ++r.operations;
        if (sample) {
            r.samples_us.push_back(micros_since(sent[caller]));
        }
        if (clock::now() < until) {
            sent[caller] = clock::now();
            co_await ws.async_write(net::buffer(calls[caller]), net::use_awaitable);
        } else {
            --outstanding;
        }
    }
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
    auto [close_ec] = co_await ws.async_close(websocket::close_code::normal, use_tuple);
    (void)close_ec;  // the figures are taken; a close that fails changes none of them
}

net::awaitable<void> unicast(net::io_context& ioc, const operator_options& o, operator_result& r) {
    admin_client lister(ioc, o);
    co_await lister.connect();
    const auto ids = co_await master_ids(lister);
    if (ids.empty()) {
        throw std::runtime_error("no master is connected");
    }
    co_await unicast_calls(ioc, o, ids, r);
}

// One stream: `bytes` of the pattern in 1 MiB messages, then end; the answer must be the
// sink's verdict "ok <bytes>" and the close 1000.
net::awaitable<void> one_stream(net::io_context& ioc, const operator_options& o, std::string id) {
    websocket::stream<beast::tcp_stream> ws(ioc);
    const tcp::endpoint admin{net::ip::make_address(o.host), o.port};
    const std::string target = "/v1/masters/" + id + "/actions/sink/stream";
    auto [connect_ec] = co_await beast::get_lowest_layer(ws).async_connect(admin, use_tuple);
    if (connect_ec) {
        throw std::runtime_error("stream to " + id + ": " + connect_ec.message());
    }
    ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
        req.set(http::field::authorization, "Bearer " + o.token);
    }));
    ws.read_message_max(64u << 20);
    write_whole_frames(ws, beast::role_type::client);
    auto [handshake_ec] = co_await ws.async_handshake(o.host, target, use_tuple);
    if (handshake_ec) {
        throw std::runtime_error("GET " + target + ": " + handshake_ec.message());
    }
    auto send = [&]() -> net::awaitable<void> {
        ws.binary(true);
        for (std::uint64_t sent = 0; sent < o.bytes;) {
            const std::size_t n = std::min<std::uint64_t>(payload::max_slice, o.bytes - sent);
            auto [ec, w] = co_await ws.async_write(net::buffer(payload::at(sent, n)), use_tuple);
            if (ec) {
                throw std::runtime_error("stream to " + id + ": " + ec.message());
            }
            sent += n;
        }
        ws.text(true);
        co_await ws.async_write(net::buffer(std::string_view(R"({"cmd":"end"})")),
                                net::use_awaitable);
    };
    std::string output;
    auto receive = [&]() -> net::awaitable<void> {
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
            if (ec == websocket::error::closed) {
                co_return;
            }
            if (ec) {
                throw std::runtime_error("stream to " + id + ": " + ec.message());
            }
            if (ws.got_binary()) {
                output += beast::buffers_to_string(buffer.data());
            }
            buffer.consume(buffer.size());
        }
    };
    co_await (send() && receive());
    if (ws.reason().code != websocket::close_code::normal || output != payload::intact(o.bytes)) {
        throw std::runtime_error(
            "stream to " + id + " ended with close " + std::to_string(ws.reason().code) + " (" +
            std::string(ws.reason().reason.data(), ws.reason().reason.size()) +
            "), the master said \"" + output + "\", expected \"" + payload::intact(o.bytes) + "\"");
    }
}

net::awaitable<void> streams(net::io_context& ioc, const operator_options& o, operator_result& r) {
    admin_client lister(ioc, o);
    co_await lister.connect();
    const auto ids = co_await master_ids(lister);
    if (ids.size() < o.streams) {
        throw std::runtime_error(std::to_string(o.streams) + " streams need as many masters, " +
                                 std::to_string(ids.size()) + " are connected");
    }
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    std::vector<net::awaitable<void>> tasks;
    for (std::size_t i = 0; i < o.streams; ++i) {
        tasks.push_back(one_stream(ioc, o, ids[i]));
    }
    co_await join_all(ioc, std::move(tasks));
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
    r.operations = o.streams;
    r.bytes = o.bytes * o.streams;
}

}  // namespace

operator_result run_regcenter_operator(const operator_options& o) {
    net::io_context ioc(1);
    operator_result r;
    std::exception_ptr failure;
    auto work = [&]() -> net::awaitable<void> {
        switch (o.workload) {
            case operator_workload::fanout:
                co_await fanout(ioc, o, r);
                break;
            case operator_workload::unicast:
                co_await unicast(ioc, o, r);
                break;
            case operator_workload::stream:
                co_await streams(ioc, o, r);
                break;
        }
    };
    net::co_spawn(ioc, work(), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    return r;
}

}  // namespace regcenter::bench
