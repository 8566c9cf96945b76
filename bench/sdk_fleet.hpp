// Masters built on the SDK itself (regcenter::master on one shared io_context), for the
// reconnect storm: how fast a fleet is back after a center restart is decided by the SDK's
// backoff (full jitter from master_config::retry_delay) and the center's auth rate, so the
// SDK has to be in the loop. The io_context runs on a thread of its own, so the bench can kill
// and restart the server and sample it meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "regcenter/master.hpp"

namespace regcenter::bench {

class sdk_fleet {
  public:
    sdk_fleet(std::uint16_t port, std::string token);
    ~sdk_fleet();  ///< closes every master (the server may be gone) and stops the thread
    sdk_fleet(const sdk_fleet&) = delete;
    sdk_fleet& operator=(const sdk_fleet&) = delete;

    /// Starts `count` masters with the SDK's default retry settings, at most `parallel` not
    /// yet authenticated at a time; true when all authenticated within `limit`.
    bool start(std::size_t count, std::size_t parallel, std::chrono::seconds limit);

    /// Authentications so far, first ones and reconnections alike.
    std::size_t authentications() const { return authenticated_; }

  private:
    net::io_context ioc_{1};
    net::executor_work_guard<net::io_context::executor_type> work_;
    std::thread thread_;
    std::uint16_t port_;
    std::string token_;
    std::vector<std::unique_ptr<master>> masters_;
    std::atomic<std::size_t> authenticated_{0};
};

}  // namespace regcenter::bench
