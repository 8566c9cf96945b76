// Parsing of the ws:// URLs master::connect(url) accepts.
#include <gtest/gtest.h>

#include "regcenter/proto/center_address.hpp"

namespace regcenter::proto {
namespace {

TEST(center_address, accepts_host_and_port) {
    const auto a = parse_center_url("ws://center.example.com:8010");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "center.example.com");
    EXPECT_EQ(a->port, 8010);
    EXPECT_EQ(a->key(), "center.example.com:8010");
}

TEST(center_address, accepts_the_master_path) {
    const auto a = parse_center_url("ws://127.0.0.1:65535/v1/master");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 65535);
}

TEST(center_address, accepts_bracketed_ipv6) {
    const auto a = parse_center_url("ws://[::1]:8010/v1/master");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "::1");
    EXPECT_EQ(a->key(), "[::1]:8010");
}

TEST(center_address, rejects_other_forms) {
    for (const char* url : {"",
                            "ws://",
                            "ws://host",
                            "ws://host:",
                            "ws://:8010",
                            "http://host:8010",
                            "wss://host:8010",
                            "ws://host:0",
                            "ws://host:65536",
                            "ws://host:80a",
                            "ws://host:8010/",
                            "ws://host:8010/v1/admin",
                            "ws://host:8010/v1/master/x",
                            "ws://user@host:8010",
                            "ws://ho st:8010",
                            "ws://[::1]8010",
                            "ws://[]:8010",
                            "ws://[zz]:8010",
                            "WS://host:8010",
                            "ws://host:8010?x=1",
                            "ws://host:123456"}) {
        EXPECT_FALSE(parse_center_url(url)) << url;
    }
}

}  // namespace
}  // namespace regcenter::proto
