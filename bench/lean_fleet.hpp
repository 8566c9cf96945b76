// Simulated masters for the benchmark: many sessions on one io_context speaking the real wire
// protocol through the shared codec, on Beast WebSocket streams. Each offers two actions:
// "echo" answers its input, "sink" checks its input byte by byte (payload.hpp) and answers its
// verdict. Not the SDK: a bench master
// needs no reconnect logic, action registry or event strand per session, and the SDK's
// per-master thread (own-thread mode) or per-link state would make the load generator, not
// the server, the bottleneck at 19k sessions. Source addresses rotate over 127.0.0.2-9 so that
// one run is not limited by the ephemeral port range of one address pair.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pacing.hpp"
#include "regcenter/common/net.hpp"
#include "regcenter/proto/messages.hpp"

namespace regcenter::bench {

class lean_fleet {
  public:
    lean_fleet(tcp::endpoint center, std::string token);
    ~lean_fleet();
    lean_fleet(const lean_fleet&) = delete;
    lean_fleet& operator=(const lean_fleet&) = delete;

    /// Connects and authenticates `count` more sessions, at most `parallel` handshakes at a
    /// time; returns when all are authenticated or failed, or after `limit`.
    connect_result connect(std::size_t count, std::size_t parallel, std::chrono::seconds limit);

    /// Every `every`-th session started from now on registers an instance of `service` in its
    /// auth (for discovery); 0 turns it off.
    void offer_service(std::size_t every, std::string service) {
        service_every_ = every;
        service_ = std::move(service);
    }

    /// Lets the sessions sit (answering the center's pings and serving actions) for `d`.
    void hold(std::chrono::milliseconds d);

    /// The context the sessions run on, to run while an operator works on them.
    net::io_context& context() { return ioc_; }

    /// Sessions whose connection is still open.
    std::size_t open() const;

    /// Closes every session (TCP close, no goodbye: the center sees them vanish).
    void drop_all();

  private:
    struct session;
    net::awaitable<void> run_session(std::shared_ptr<session> s, std::size_t index);
    // Serving the two bench actions; false when the session should end.
    static net::awaitable<bool> on_data(session& s, std::string_view frame);
    static net::awaitable<bool> on_control(session& s, std::string_view frame);
    /// The center's direction of stream `id` (open in `s`) ended: answers and ends it.
    static net::awaitable<bool> answer(session& s, proto::stream_id id);

    net::io_context ioc_;
    tcp::endpoint center_;
    std::string token_;
    std::vector<std::shared_ptr<session>> sessions_;
    connect_counts counts_;
    std::size_t service_every_ = 0;
    std::string service_;
    std::size_t open_ = 0;
};

}  // namespace regcenter::bench
