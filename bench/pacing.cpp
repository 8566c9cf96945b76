#include "pacing.hpp"

namespace regcenter::bench {

connect_result pace_connections(net::io_context& ioc, connect_counts& counts, std::size_t count,
                                std::size_t parallel, std::chrono::seconds limit,
                                const std::function<void(std::size_t)>& start) {
    ioc.restart();  // a context that ran out of work is stopped until restarted
    const std::size_t ready_before = counts.ready;
    const std::size_t failed_before = counts.failed;
    const auto begin = std::chrono::steady_clock::now();
    const auto deadline = begin + limit;
    std::size_t next = 0;
    while ((counts.ready - ready_before) + (counts.failed - failed_before) < count &&
           std::chrono::steady_clock::now() < deadline) {
        while (counts.in_flight < parallel && next < count) {
            start(next++);
        }
        ioc.run_for(std::chrono::milliseconds(1));
    }
    return {counts.ready - ready_before, counts.failed - failed_before,
            std::chrono::steady_clock::now() - begin};
}

beast::error_code open_from_rotating_source(tcp::socket& socket, std::size_t index) {
    beast::error_code ec;
    socket.open(tcp::v4(), ec);
    if (!ec) {
        const auto source =
            net::ip::make_address_v4(static_cast<std::uint32_t>(0x7f000002 + index % 8));
        socket.bind({source, 0}, ec);
    }
    return ec;
}

}  // namespace regcenter::bench
