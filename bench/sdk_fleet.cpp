#include "sdk_fleet.hpp"

namespace regcenter::bench {

sdk_fleet::sdk_fleet(std::uint16_t port, std::string token)
    : work_(ioc_.get_executor()), port_(port), token_(std::move(token)) {
    thread_ = std::thread([this] { ioc_.run(); });
}

sdk_fleet::~sdk_fleet() {
    for (auto& m : masters_) {
        m->close();
    }
    // Each destructor waits for its leave, which the running context completes.
    masters_.clear();
    work_.reset();
    ioc_.stop();
    thread_.join();
}

bool sdk_fleet::start(std::size_t count, std::size_t parallel, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const std::size_t first = masters_.size();
    const std::size_t before = authenticated_;
    for (std::size_t i = 0; i < count; ++i) {
        while (i >= parallel + (authenticated_ - before) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        master_config config;
        config.token = token_;
        config.name = "storm-" + std::to_string(first + i);
        auto m = std::make_unique<master>(ioc_, std::move(config));
        m->on_authenticated([this](const std::string&, const std::string&) { ++authenticated_; });
        m->connect("127.0.0.1", port_);
        masters_.push_back(std::move(m));
    }
    while (authenticated_ - before < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return authenticated_ - before >= count;
}

}  // namespace regcenter::bench
