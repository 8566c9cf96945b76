// Starting many connections at a bounded pace on one io_context, and the loopback source
// addresses they rotate over; shared by the regcenter and the NATS fleets.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "regcenter/common/net.hpp"

namespace regcenter::bench {

/// Counts a fleet keeps while connecting.
struct connect_counts {
    std::size_t ready = 0;  ///< connected and through the protocol's handshake
    std::size_t failed = 0;
    std::size_t in_flight = 0;  ///< started, neither ready nor failed yet
};

struct connect_result {
    std::size_t ready = 0;
    std::size_t failed = 0;
    std::chrono::duration<double> elapsed{};
};

/// Calls `start(i)` for i = 0 … count-1, keeping at most `parallel` in flight, and runs `ioc`
/// until every one is ready or failed, or `limit` passes. `start` must count itself in_flight.
connect_result pace_connections(net::io_context& ioc, connect_counts& counts, std::size_t count,
                                std::size_t parallel, std::chrono::seconds limit,
                                const std::function<void(std::size_t)>& start);

/// pace_connections for a fleet of `Session`s (constructed from the io_context, kept in
/// `sessions`), each one run by the coroutine `run(session, index)`.
template <class Session, class Run>
connect_result start_sessions(net::io_context& ioc, std::vector<std::shared_ptr<Session>>& sessions,
                              connect_counts& counts, std::size_t count, std::size_t parallel,
                              std::chrono::seconds limit, Run run) {
    const std::size_t first = sessions.size();
    return pace_connections(ioc, counts, count, parallel, limit, [&](std::size_t i) {
        auto s = std::make_shared<Session>(ioc);
        sessions.push_back(s);
        ++counts.in_flight;
        net::co_spawn(ioc, run(s, first + i), net::detached);
    });
}

/// Opens `socket` bound to 127.0.0.2 … 127.0.0.9 by `index`: each source address has its own
/// ephemeral port range, so a run is not limited to one address pair's.
beast::error_code open_from_rotating_source(tcp::socket& socket, std::size_t index);

}  // namespace regcenter::bench
