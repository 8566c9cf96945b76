// Shared state of one master's center links (see master_state.hpp).
#include "master_state.hpp"

#include <unistd.h>

#include <array>
#include <utility>

namespace regcenter::detail {
namespace {

std::string host_name() {
    std::array<char, 256> buffer{};
    if (::gethostname(buffer.data(), buffer.size() - 1) != 0 || buffer[0] == '\0') {
        return "unknown-host";
    }
    return std::string(buffer.data());
}

}  // namespace

master_state::master_state(const net::any_io_executor& executor, master_config config)
    : config_(std::move(config)),
      name_(config_.name.empty() ? host_name() : config_.name),
      events_(net::make_strand(executor)),
      retry_{config_.retry_attempts, config_.retry_delay} {}

retry_settings master_state::retry() const {
    std::lock_guard lock(mutex_);
    return retry_;
}

void master_state::set_retry(retry_settings settings) {
    std::lock_guard lock(mutex_);
    retry_ = settings;
}

void master_state::set_connect_handler(master::connect_handler h) {
    std::lock_guard lock(mutex_);
    handlers_.connect = std::move(h);
}

void master_state::set_authenticated_handler(master::authenticated_handler h) {
    std::lock_guard lock(mutex_);
    handlers_.authenticated = std::move(h);
}

void master_state::set_close_handler(master::close_handler h) {
    std::lock_guard lock(mutex_);
    handlers_.close = std::move(h);
}

void master_state::set_error_handler(master::error_handler h) {
    std::lock_guard lock(mutex_);
    handlers_.error = std::move(h);
}

void master_state::set_command_handler(master::command_handler h) {
    std::lock_guard lock(mutex_);
    handlers_.command = std::move(h);
}

template <class Member>
Member master_state::handler(Member handlers::*member) const {
    std::lock_guard lock(mutex_);
    return handlers_.*member;
}

template <class F>
void master_state::deliver(F f) {
    net::post(events_, [self = shared_from_this(), f = std::move(f)]() mutable {
        if (!self->detached_.load()) {
            f(*self);
        }
    });
}

void master_state::report_connect(const std::string& center) {
    deliver([center](master_state& s) {
        if (auto h = s.handler(&handlers::connect)) {
            h(center);
        }
    });
}

void master_state::report_authenticated(const std::string& center, const std::string& session) {
    deliver([center, session](master_state& s) {
        if (auto h = s.handler(&handlers::authenticated)) {
            h(center, session);
        }
    });
}

void master_state::report_close(const std::string& center, const std::string& reason) {
    deliver([center, reason](master_state& s) {
        if (auto h = s.handler(&handlers::close)) {
            h(center, reason);
        }
    });
}

void master_state::report_error(boost::system::error_code ec, std::string context) {
    deliver([ec, context = std::move(context)](master_state& s) {
        if (auto h = s.handler(&handlers::error)) {
            h(ec, context);
        }
    });
}

void master_state::report_command(std::string cmd, boost::json::object message) {
    deliver([cmd = std::move(cmd), message = std::move(message)](master_state& s) {
        if (auto h = s.handler(&handlers::command)) {
            h(cmd, message);
        }
    });
}

void master_state::report_peers(subscription_registry::deliveries deliveries) {
    if (deliveries.empty()) {
        return;
    }
    deliver([deliveries = std::move(deliveries)](master_state&) {
        for (const auto& [handler, peers] : deliveries) {
            handler(peers);
        }
    });
}

void master_state::call(std::function<void()> f) {
    deliver([f = std::move(f)](master_state&) { f(); });
}

void master_state::set_follower(follower f) {
    std::lock_guard lock(follower_mutex_);
    follower_ = std::move(f);
}

void master_state::follow(const std::vector<std::string>& urls) {
    std::lock_guard lock(follower_mutex_);
    if (!follower_) {
        return;
    }
    for (const auto& url : urls) {
        follower_(url);
    }
}

bool master_state::logs(log_level level) const {
    return config_.logger && static_cast<int>(level) <= static_cast<int>(config_.min_log_level);
}

void master_state::log(log_level level, std::string text) {
    if (!logs(level)) {
        return;
    }
    deliver([level, text = std::move(text)](master_state& s) { s.config_.logger(level, text); });
}

void master_state::set_status(const std::string& center, std::optional<center_status> status) {
    std::lock_guard lock(mutex_);
    if (status) {
        connected_[center] = std::move(*status);
    } else {
        connected_.erase(center);
    }
}

std::vector<center_status> master_state::connected() const {
    std::lock_guard lock(mutex_);
    std::vector<center_status> out;
    out.reserve(connected_.size());
    for (const auto& [key, status] : connected_) {
        out.push_back(status);
    }
    return out;
}

void master_state::link_started() {
    std::lock_guard lock(mutex_);
    ++running_;
}

void master_state::link_finished() {
    // Not through deliver(): the count must drop even after detach().
    net::post(events_, [self = shared_from_this()] {
        std::lock_guard lock(self->mutex_);
        --self->running_;
        self->idle_cv_.notify_all();
    });
}

bool master_state::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_cv_.wait_for(lock, timeout, [this] { return running_ == 0; });
}

bool master_state::idle() const {
    std::lock_guard lock(mutex_);
    return running_ == 0;
}

void master_state::detach() {
    detached_.store(true);
}

}  // namespace regcenter::detail
