// The SDK's error category and which errors stop the retries.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <boost/asio/error.hpp>

#include "regcenter/master_error.hpp"

namespace regcenter {
namespace {

constexpr master_errc all[] = {
    master_errc::auth_failed,       master_errc::auth_timeout,   master_errc::connect_timeout,
    master_errc::heartbeat_timeout, master_errc::protocol_error, master_errc::retries_exhausted,
    master_errc::center_error,      master_errc::invalid_url,    master_errc::service_refused};

TEST(master_error, every_value_has_its_own_message) {
    std::set<std::string> messages;
    for (master_errc e : all) {
        const boost::system::error_code ec = e;
        EXPECT_EQ(ec.category().name(), std::string("regcenter.master"));
        EXPECT_FALSE(ec.message().empty());
        messages.insert(ec.message());
    }
    EXPECT_EQ(messages.size(), std::size(all));
}

TEST(master_error, compares_with_the_enum) {
    const boost::system::error_code ec = master_errc::heartbeat_timeout;
    EXPECT_EQ(ec, master_errc::heartbeat_timeout);
    EXPECT_NE(ec, master_errc::auth_timeout);
    EXPECT_TRUE(ec);
}

TEST(master_error, only_terminal_errors_are_fatal) {
    EXPECT_TRUE(is_fatal(master_errc::retries_exhausted));
    EXPECT_TRUE(is_fatal(master_errc::invalid_url));
    EXPECT_FALSE(is_fatal(master_errc::auth_failed));
    EXPECT_FALSE(is_fatal(master_errc::auth_timeout));
    EXPECT_FALSE(is_fatal(master_errc::connect_timeout));
    EXPECT_FALSE(is_fatal(master_errc::heartbeat_timeout));
    EXPECT_FALSE(is_fatal(master_errc::protocol_error));
    EXPECT_FALSE(is_fatal(master_errc::center_error));
    EXPECT_FALSE(is_fatal(master_errc::service_refused));
    EXPECT_FALSE(is_fatal(boost::asio::error::connection_refused));
    EXPECT_FALSE(is_fatal(boost::system::error_code{}));
}

}  // namespace
}  // namespace regcenter
