// The machinery behind regcenter::master (see master_impl.hpp).
#include "master_impl.hpp"

#include <utility>

namespace regcenter::detail {
namespace {

// Beyond close_timeout, time for the close handlers to run before the destructor moves on.
constexpr std::chrono::milliseconds shutdown_margin{500};

}  // namespace

master_impl::master_impl(master_config config)
    : own_ioc_(std::make_unique<net::io_context>(1)),
      ioc_(own_ioc_.get()),
      work_(net::make_work_guard(*own_ioc_)),
      state_(std::make_shared<master_state>(own_ioc_->get_executor(), std::move(config))) {
    set_follower();
    thread_ = std::thread([ioc = own_ioc_.get()] { ioc->run(); });
}

master_impl::master_impl(net::io_context& ioc, master_config config)
    : ioc_(&ioc), state_(std::make_shared<master_state>(ioc.get_executor(), std::move(config))) {
    set_follower();
}

void master_impl::set_follower() {
    // Cleared in shutdown(), before this object goes, so a link never calls into a dead master.
    state_->set_follower([this](const std::string& url) {
        const auto address = proto::parse_center_url(url);
        if (!address) {
            state_->log(log_level::warning, "a center named \"" + url +
                                                "\" as a peer, which is not a ws://host:port "
                                                "URL; not connecting to it");
            return;
        }
        // Only centers this master never had a link to: a center that kicked it, or that it
        // gave up on, stays left until the application calls connect() itself.
        connect(*address, false);
    });
}

master_impl::~master_impl() {
    shutdown();
    // Our references first, then (own-thread mode) the io_context, which destroys the handlers
    // still queued and with them the last references to the links.
    {
        std::lock_guard lock(mutex_);
        links_.clear();
    }
    state_.reset();
    own_ioc_.reset();
}

bool master_impl::on_io_thread() const {
    return ioc_->get_executor().running_in_this_thread();
}

void master_impl::connect(const proto::center_address& address, bool restart_finished) {
    const std::string key = address.key();
    std::shared_ptr<center_link> link;
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            state_->log(log_level::warning, "connect(" + key + ") after close() is ignored");
            return;
        }
        auto it = links_.find(key);
        if (it != links_.end() && (!it->second->finished() || !restart_finished)) {
            state_->log(log_level::debug, "connect(" + key + "): already connecting or connected");
            return;
        }
        // A finished link (retries exhausted, session over without reconnect) starts afresh.
        link = std::make_shared<center_link>(ioc_->get_executor(), address, state_);
        links_[key] = link;
        state_->link_started();
    }
    link->start();
}

void master_impl::close() {
    std::vector<std::shared_ptr<center_link>> links;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        for (const auto& [key, link] : links_) {
            links.push_back(link);
        }
    }
    for (const auto& link : links) {
        link->close();
    }
}

bool master_impl::wait_closed(std::chrono::milliseconds timeout) {
    if (state_->idle()) {
        return true;
    }
    if (on_io_thread()) {
        // The links need this very thread to finish; waiting would only block them.
        return false;
    }
    return state_->wait_idle(timeout);
}

std::vector<std::shared_ptr<center_link>> master_impl::links() const {
    std::vector<std::shared_ptr<center_link>> out;
    std::lock_guard lock(mutex_);
    for (const auto& [key, link] : links_) {
        out.push_back(link);
    }
    return out;
}

void master_impl::actions_changed() {
    for (const auto& link : links()) {
        link->actions_changed();
    }
}

void master_impl::services_changed() {
    for (const auto& link : links()) {
        link->services_changed();
    }
}

void master_impl::subscriptions_changed() {
    for (const auto& link : links()) {
        link->subscriptions_changed();
    }
}

void master_impl::discover(proto::service_query query, master::discover_handler handler) {
    std::shared_ptr<center_link> link;
    for (const center_status& s : state_->connected()) {
        if (s.authenticated) {
            std::lock_guard lock(mutex_);
            if (auto it = links_.find(s.address); it != links_.end()) {
                link = it->second;
                break;
            }
        }
    }
    if (!link) {
        state_->call([handler = std::move(handler)] { handler(master_errc::not_connected, {}); });
        return;
    }
    link->discover(std::move(query), std::move(handler));
}

void master_impl::set_retry_settings(std::size_t attempts, std::chrono::milliseconds delay) {
    state_->set_retry({attempts, delay});
}

void master_impl::shutdown() {
    if (shut_down_) {
        return;
    }
    shut_down_ = true;
    state_->set_follower({});
    close();
    const bool io_thread = on_io_thread();
    if (!io_thread) {
        wait_closed(state_->config().close_timeout + shutdown_margin);
    }
    state_->detach();
    if (own_ioc_) {
        work_.reset();
        own_ioc_->stop();
        if (io_thread) {
            // Destroyed from one of its own handlers: the thread can't join itself, and the
            // io_context can't be destroyed under its own run(). Leaking both beats a deadlock;
            // the thread ends as soon as the current handler returns.
            thread_.detach();
            static_cast<void>(own_ioc_.release());
        } else if (thread_.joinable()) {
            thread_.join();
        }
    }
}

}  // namespace regcenter::detail
