// The same simulated masters against nats-server, so neither side is handicapped by its
// client: lean NATS text-protocol sessions on one io_context. Each one connects, sends CONNECT,
// subscribes to its own subject (master.N) and the broadcast subject, and counts as ready at
// the PONG that answers its first PING (the server has then processed the subscriptions). Idle
// sessions answer the server's PINGs.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "pacing.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter::bench {

class nats_fleet {
  public:
    explicit nats_fleet(tcp::endpoint server);
    ~nats_fleet();
    nats_fleet(const nats_fleet&) = delete;
    nats_fleet& operator=(const nats_fleet&) = delete;

    connect_result connect(std::size_t count, std::size_t parallel, std::chrono::seconds limit);
    void hold(std::chrono::milliseconds d);
    void drop_all();

  private:
    struct session;
    net::awaitable<void> run_session(std::shared_ptr<session> s, std::size_t index);

    net::io_context ioc_;
    tcp::endpoint server_;
    std::vector<std::shared_ptr<session>> sessions_;
    connect_counts counts_;
};

}  // namespace regcenter::bench
