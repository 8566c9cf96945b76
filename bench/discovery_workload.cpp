// 6. Discovery, regcenter only (NATS has no registry to compare with): a service with one
// instance per `every` masters among N (1k among 19k at full size), queried by a master over
// its own connection (the SDK's discover path); and the service events the center publishes,
// timed from a master's register to their arrival at 100 operators watching GET /v1/events.
#include <atomic>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/json.hpp>

#include "lean_fleet.hpp"
#include "regcenter/common/websocket_writes.hpp"
#include "regcenter/proto/messages.hpp"
#include "servers.hpp"
#include "workloads.hpp"

namespace regcenter::bench {
namespace {

namespace json = boost::json;
using clock = std::chrono::steady_clock;

constexpr const char* watched_type = "service-registered";

// One master for requests one at a time, blocking: the fleet's context is not running while
// this measures, and a blocking client adds nothing between the clock and the socket.
class probe_master {
  public:
    probe_master(const tcp::endpoint& center, const std::string& token) : ws_(ioc_) {
        ws_.next_layer().connect(center);
        ws_.next_layer().set_option(tcp::no_delay(true));
        write_whole_frames(ws_, beast::role_type::client);
        ws_.handshake("127.0.0.1", "/v1/master");
        send(proto::auth{token, "bench-probe", {}});
        if (!std::holds_alternative<proto::auth_success>(next())) {
            throw std::runtime_error("the probe master was not authenticated");
        }
    }

    void send(const proto::message& m) {
        ws_.text(true);
        ws_.write(net::buffer(proto::encode(m)));
    }

    proto::message next() {
        buffer_.consume(buffer_.size());
        ws_.read(buffer_);
        auto decoded = proto::decode(beast::buffers_to_string(buffer_.data()));
        if (!decoded) {
            throw std::runtime_error("the center sent the probe master something undecodable");
        }
        return std::move(decoded.value());
    }

    template <class Message>
    Message next_of() {
        for (;;) {
            auto m = next();
            if (auto* wanted = std::get_if<Message>(&m)) {
                return std::move(*wanted);
            }
        }
    }

  private:
    net::io_context ioc_;
    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buffer_;
};

// Operators watching service-registered events, each on its own WebSocket, all on one
// io_context in a thread of their own; they record when the event of each round arrives.
class watchers {
  public:
    watchers(std::uint16_t admin_port, std::string token, std::size_t count, std::size_t rounds)
        : admin_{net::ip::make_address("127.0.0.1"), admin_port},
          token_(std::move(token)),
          arrivals_(rounds, std::vector<clock::time_point>(count)) {
        for (std::size_t i = 0; i < count; ++i) {
            net::co_spawn(ioc_, watch(i), net::detached);
        }
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~watchers() {
        ioc_.stop();
        thread_.join();
    }

    bool wait_watching(std::size_t count, std::chrono::seconds limit) const {
        const auto deadline = clock::now() + limit;
        while (watching_ < count && clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return watching_ >= count;
    }

    /// Waits until every watcher has round `r`'s event; their delays after `sent`, in ms.
    std::vector<double> wait_round(std::size_t r, clock::time_point sent,
                                   std::chrono::seconds limit) {
        const auto deadline = clock::now() + limit;
        while (clock::now() < deadline) {
            {
                std::lock_guard lock(mutex_);
                if (std::all_of(arrivals_[r].begin(), arrivals_[r].end(),
                                [](clock::time_point t) { return t != clock::time_point{}; })) {
                    std::vector<double> ms;
                    for (const auto t : arrivals_[r]) {
                        ms.push_back(std::chrono::duration<double, std::milli>(t - sent).count());
                    }
                    return ms;
                }
            }
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        throw std::runtime_error("round " + std::to_string(r) +
                                 ": not every watcher got the event within the limit");
    }

  private:
    net::awaitable<void> watch(std::size_t slot) {
        constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
        websocket::stream<beast::tcp_stream> ws(ioc_);
        auto [ec] = co_await beast::get_lowest_layer(ws).async_connect(admin_, use_tuple);
        if (ec) {
            co_return;
        }
        ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
            req.set(http::field::authorization, "Bearer " + token_);
        }));
        const std::string target = std::string("/v1/events?type=") + watched_type;
        auto [handshake_ec] = co_await ws.async_handshake("127.0.0.1", target, use_tuple);
        if (handshake_ec) {
            co_return;
        }
        beast::flat_buffer buffer;
        for (;;) {
            auto [read_ec, n] = co_await ws.async_read(buffer, use_tuple);
            if (read_ec) {
                co_return;
            }
            const auto arrived = clock::now();
            const auto message = json::parse(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
            const auto& o = message.as_object();
            if (o.contains("cmd") && o.at("cmd") == "watching") {
                ++watching_;
            } else if (o.contains("service")) {
                // Rounds register "probe-<round>".
                const std::string service(o.at("service").as_string());
                const std::size_t r = std::stoul(service.substr(service.find('-') + 1));
                std::lock_guard lock(mutex_);
                if (r < arrivals_.size()) {
                    arrivals_[r][slot] = arrived;
                }
            }
        }
    }

    net::io_context ioc_{1};
    tcp::endpoint admin_;
    std::string token_;
    std::thread thread_;
    std::atomic<std::size_t> watching_{0};
    std::mutex mutex_;
    std::vector<std::vector<clock::time_point>> arrivals_;
};

json::object probe_service(std::size_t round) {
    return {{"name", "probe-" + std::to_string(round)},
            {"endpoints", json::array{"http://127.0.0.1:1"}}};
}

}  // namespace

void discovery_workload(const bench_run& b) {
    const std::size_t n = b.o.discovery_sessions;
    const std::size_t instances = n / b.o.discovery_every;
    series query_ms, event_ms, all_ms;
    for (int run = 0; run < b.o.runs; ++run) {
        const std::string tag = "discovery-" + std::to_string(run);
        try {
            server_under_test server = start_regcenterd(b.o, b.server_cpu, tag);
            lean_fleet fleet(server.endpoint(), master_token);
            fleet.offer_service(b.o.discovery_every, "web");
            const auto connected = fleet.connect(n, 512, std::chrono::seconds(120));
            if (connected.ready != n) {
                throw std::runtime_error(std::to_string(n - connected.ready) +
                                         " masters failed to connect");
            }
            probe_master probe(server.endpoint(), master_token);
            for (int i = 0; i < b.o.discovery_queries; ++i) {
                const auto t = clock::now();
                probe.send(
                    proto::discover{{.service = "web", .metadata = {}, .labels = {}}, nullptr});
                const auto result = probe.next_of<proto::discover_result>();
                query_ms.values.push_back(
                    std::chrono::duration<double, std::milli>(clock::now() - t).count());
                if (result.instances.size() != instances) {
                    throw std::runtime_error("discover found " +
                                             std::to_string(result.instances.size()) +
                                             " instances, expected " + std::to_string(instances));
                }
            }
            const std::size_t rounds = static_cast<std::size_t>(b.o.discovery_queries);
            watchers watching(server.admin_port, admin_token, b.o.watchers, rounds);
            if (!watching.wait_watching(b.o.watchers, std::chrono::seconds(30))) {
                throw std::runtime_error("not every watcher got to watching");
            }
            for (std::size_t r = 0; r < rounds; ++r) {
                const auto sent = clock::now();
                probe.send(proto::register_services{{probe_service(r)}, nullptr});
                probe.next_of<proto::registered>();
                auto delays = watching.wait_round(r, sent, std::chrono::seconds(10));
                all_ms.values.push_back(*std::max_element(delays.begin(), delays.end()));
                event_ms.values.insert(event_ms.values.end(), delays.begin(), delays.end());
                probe.send(proto::remove_services{"probe-" + std::to_string(r), nullptr});
                probe.next_of<proto::removed>();
            }
        } catch (const std::exception& e) {
            std::cerr << "regcenter-bench: regcenter " << tag << ": " << e.what() << "\n";
            ++query_ms.failed;
        }
    }
    b.out.add_single("regcenter", "discovery.query_latency", n, "ms", query_ms);
    b.out.add_single("regcenter", "discovery.event_delay", b.o.watchers, "ms", event_ms);
    b.out.add_single("regcenter", "discovery.event_to_all", b.o.watchers, "ms", all_ms);
}

}  // namespace regcenter::bench
