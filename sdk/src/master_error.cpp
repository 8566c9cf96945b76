// The error category of master_errc and the fatal/retryable split the link's run loop relies on.
#include "regcenter/master_error.hpp"

#include <string>

namespace regcenter {
namespace {

class master_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "regcenter.master"; }

    std::string message(int value) const override {
        switch (static_cast<master_errc>(value)) {
            case master_errc::auth_failed:
                return "the center rejected the authentication token";
            case master_errc::auth_timeout:
                return "the center did not answer the authentication in time";
            case master_errc::connect_timeout:
                return "TCP connect and WebSocket handshake did not complete in time";
            case master_errc::heartbeat_timeout:
                return "nothing arrived from the center for too long; the link is considered dead";
            case master_errc::protocol_error:
                return "the center sent a message that is not protocol v1";
            case master_errc::retries_exhausted:
                return "too many consecutive failed attempts; this center is given up";
            case master_errc::center_error:
                return "the center reported an error";
            case master_errc::invalid_url:
                return "the center URL is not of the form ws://host:port[/v1/master]";
            case master_errc::service_refused:
                return "the center refused to register a service";
            case master_errc::not_connected:
                return "no center is authenticated to answer the request";
            case master_errc::request_timeout:
                return "the center did not answer the request in time";
            case master_errc::query_refused:
                return "the center refused the discovery request";
        }
        return "unknown regcenter.master error " + std::to_string(value);
    }
};

}  // namespace

const boost::system::error_category& master_category() noexcept {
    static const master_category_impl category;
    return category;
}

bool is_fatal(boost::system::error_code ec) noexcept {
    if (ec.category() != master_category()) {
        // Network and WebSocket errors describe one connection; a new one may well succeed.
        return false;
    }
    switch (static_cast<master_errc>(ec.value())) {
        case master_errc::retries_exhausted:
        case master_errc::invalid_url:
            return true;
        // A rejected token is retried on purpose: operators may add it to the center later.
        case master_errc::auth_failed:
        case master_errc::auth_timeout:
        case master_errc::connect_timeout:
        case master_errc::heartbeat_timeout:
        case master_errc::protocol_error:
        case master_errc::center_error:
        case master_errc::service_refused:
        case master_errc::not_connected:
        case master_errc::request_timeout:
        case master_errc::query_refused:
            return false;
    }
    return false;
}

}  // namespace regcenter
