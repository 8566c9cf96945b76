// memory_release: a burst of requests costs one release, and a later request gets its own.
#include "memory_release.hpp"

#include <gtest/gtest.h>

namespace regcenter {
namespace {

using namespace std::chrono_literals;

TEST(memory_release, requests_before_the_release_share_it) {
    net::io_context ioc;
    memory_release memory(ioc, 5ms);
    memory.request();
    memory.request();
    memory.request();
    EXPECT_EQ(memory.releases(), 0u);  // not before the delay
    ioc.run();                         // returns once the release ran: nothing else is pending
    EXPECT_EQ(memory.releases(), 1u);

    memory.request();
    ioc.restart();
    ioc.run();
    EXPECT_EQ(memory.releases(), 2u);
}

TEST(memory_release, nothing_happens_without_a_request) {
    net::io_context ioc;
    memory_release memory(ioc, 1ms);
    ioc.run();
    EXPECT_EQ(memory.releases(), 0u);
}

}  // namespace
}  // namespace regcenter
