// An in-process center on ephemeral ports with short timeouts, for integration tests.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "center.hpp"
#include "center_state.hpp"
#include "registry.hpp"
#include "support/http_client.hpp"

namespace regcenter::test {

inline constexpr const char* master_token = "master-token-1";
inline constexpr const char* admin_token = "admin-token-1";

/// Options every integration test starts from: loopback, port 0, timeouts short enough for
/// tests yet long enough not to fire by accident on a loaded CI machine.
inline center_options test_options() {
    center_options o;
    o.listen = "127.0.0.1:0";
    o.admin_listen = "127.0.0.1:0";
    o.admin_token = admin_token;
    o.auth_tokens = {master_token};
    o.auth_timeout = std::chrono::seconds(5);
    o.heartbeat_interval = std::chrono::seconds(5);
    o.heartbeat_timeout = std::chrono::seconds(10);
    return o;
}

class center_test : public ::testing::Test {
  protected:
    /// Starts the center; call again after changing options_ to restart with them.
    void start_center() {
        center_ = std::make_unique<center>(options_);
        center_->start();
    }
    void TearDown() override {
        if (center_) {
            center_->stop();
        }
    }
    tcp::endpoint masters_ep() const { return center_->master_endpoint(); }
    tcp::endpoint admin_ep() const { return center_->admin_endpoint(); }

    http_result admin(http::verb method, const std::string& target, const std::string& body = "") {
        return http_call(admin_ep(), method, target, admin_token, body);
    }

    center_options options_ = test_options();
    std::unique_ptr<center> center_;
};

}  // namespace regcenter::test
