// regcenter::master: the public face; the work happens in detail::master_impl and the links.
#include "regcenter/master.hpp"

#include <stdexcept>

#include "detail/action_registry.hpp"
#include "detail/master_impl.hpp"
#include "regcenter/proto/center_address.hpp"

namespace regcenter {

master::master(master_config config)
    : impl_(std::make_shared<detail::master_impl>(std::move(config))) {}

master::master(net::io_context& ioc, master_config config)
    : impl_(std::make_shared<detail::master_impl>(ioc, std::move(config))) {}

master::~master() {
    impl_->shutdown();
}

void master::connect(const std::string& host, std::uint16_t port) {
    if (host.empty() || port == 0) {
        throw std::invalid_argument("regcenter::master::connect: empty host or port 0");
    }
    impl_->connect(proto::center_address{host, port});
}

void master::connect(std::string_view url) {
    const auto address = proto::parse_center_url(url);
    if (!address) {
        throw std::invalid_argument("regcenter::master::connect: \"" + std::string(url) +
                                    "\": " + make_error_code(master_errc::invalid_url).message());
    }
    impl_->connect(*address);
}

void master::close() {
    impl_->close();
}

bool master::wait_closed(std::chrono::milliseconds timeout) {
    return impl_->wait_closed(timeout);
}

std::vector<center_status> master::connected_centers() const {
    return impl_->connected_centers();
}

void master::set_retry_settings(std::size_t attempts, std::chrono::milliseconds delay) {
    impl_->set_retry_settings(attempts, delay);
}

void master::handle(std::string name, action_handler handler, std::string description,
                    std::optional<boost::json::object> args_schema) {
    if (impl_->state().actions().put(std::move(name), std::move(handler), std::move(description),
                                     std::move(args_schema))) {
        impl_->actions_changed();
    }
}

void master::handle_call(std::string name, call_handler handler, std::string description,
                         std::optional<boost::json::object> args_schema) {
    if (!handler) {
        throw std::invalid_argument("regcenter::master: empty handler for action \"" + name + "\"");
    }
    handle(std::move(name), detail::make_call_action(std::move(handler)), std::move(description),
           std::move(args_schema));
}

bool master::remove_action(const std::string& name) {
    if (!impl_->state().actions().remove(name)) {
        return false;
    }
    impl_->actions_changed();
    return true;
}

void master::register_service(service_info service) {
    if (impl_->state().services().put(std::move(service))) {
        impl_->services_changed();
    }
}

bool master::remove_service(const std::string& name) {
    if (!impl_->state().services().remove(name)) {
        return false;
    }
    impl_->services_changed();
    return true;
}

std::vector<service_info> master::services() const {
    return impl_->state().services().snapshot();
}

void master::discover(std::string service, service_filter filter, discover_handler handler) {
    if (!handler) {
        throw std::invalid_argument("regcenter::master::discover: empty handler");
    }
    impl_->discover({std::move(service), std::move(filter.metadata), std::move(filter.labels)},
                    std::move(handler));
}

std::uint64_t master::subscribe(std::string service, service_filter filter, peers_handler handler) {
    if (auto why = proto::check_service_name(service)) {
        throw std::invalid_argument("regcenter::master::subscribe: " + *why);
    }
    if (!handler) {
        throw std::invalid_argument("regcenter::master::subscribe: empty handler");
    }
    detail::subscription_registry::deliveries first;
    const std::uint64_t id = impl_->state().subscriptions().add(
        std::move(service), std::move(filter), std::move(handler), first);
    impl_->state().report_peers(std::move(first));
    impl_->subscriptions_changed();
    return id;
}

bool master::unsubscribe(std::uint64_t id) {
    if (!impl_->state().subscriptions().remove(id)) {
        return false;
    }
    impl_->subscriptions_changed();
    return true;
}

void master::on_connect(connect_handler h) {
    impl_->state().set_connect_handler(std::move(h));
}
void master::on_authenticated(authenticated_handler h) {
    impl_->state().set_authenticated_handler(std::move(h));
}
void master::on_close(close_handler h) {
    impl_->state().set_close_handler(std::move(h));
}
void master::on_error(error_handler h) {
    impl_->state().set_error_handler(std::move(h));
}
void master::on_command(command_handler h) {
    impl_->state().set_command_handler(std::move(h));
}

}  // namespace regcenter
