#include "memory_release.hpp"

#include <malloc.h>

#include "logging.hpp"

namespace regcenter {

memory_release::memory_release(net::io_context& ioc, std::chrono::milliseconds delay)
    : ioc_(ioc), timer_(ioc), delay_(delay) {}

void memory_release::request() {
    if (pending_.exchange(true, std::memory_order_acq_rel)) {
        return;
    }
    // The timer is only touched from handlers: request() may come from any thread.
    net::post(ioc_, [this] {
        timer_.expires_after(delay_);
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                release();
            }
        });
    });
}

void memory_release::release() {
    // Cleared first: a request made while trimming gets a release of its own.
    pending_.store(false, std::memory_order_release);
    const auto started = std::chrono::steady_clock::now();
    malloc_trim(0);
    releases_.fetch_add(1, std::memory_order_relaxed);
    const std::chrono::duration<double, std::milli> took =
        std::chrono::steady_clock::now() - started;
    logging::debug("released free heap memory",
                   {{"EVENT", "memory-released"}, {"DURATION_MS", std::to_string(took.count())}});
}

}  // namespace regcenter
