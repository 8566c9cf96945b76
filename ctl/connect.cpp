// Resolve and connect on a private io_context, so a dead address fails after the deadline
// instead of the kernel's minutes-long TCP retry.
#include "connect.hpp"

namespace regcenter::ctl {
namespace {

std::string seconds(std::chrono::milliseconds d) {
    return std::to_string(d.count() / 1000) + "s";
}

}  // namespace

void connect_admin(net::io_context& ioc, beast::tcp_stream& stream,
                   const connection_settings& settings, std::chrono::milliseconds timeout) {
    tcp::resolver resolver(ioc);
    beast::error_code error;
    bool resolved = false;
    stream.expires_after(timeout);
    resolver.async_resolve(settings.host, settings.port,
                           [&](beast::error_code ec, const tcp::resolver::results_type& results) {
                               if (ec) {
                                   error = ec;
                                   return;
                               }
                               resolved = true;
                               stream.async_connect(
                                   results, [&](beast::error_code connect_ec,
                                                const tcp::endpoint&) { error = connect_ec; });
                           });
    ioc.restart();
    ioc.run();
    stream.expires_never();

    const std::string where = "regcenterd at " + settings.address + " (admin address from " +
                              settings.address_source + ")";
    if (!resolved) {
        throw ctl_error(exit_unreachable, "cannot resolve " + settings.host + " for " + where +
                                              ": " + error.message());
    }
    if (error == beast::error::timeout) {
        throw ctl_error(exit_unreachable, "cannot reach " + where + ": no answer within " +
                                              seconds(timeout) +
                                              "; check the address and any firewall");
    }
    if (error) {
        throw ctl_error(exit_unreachable,
                        "cannot reach " + where + ": " + error.message() +
                            "; is regcenterd running, and is this its admin.listen address?");
    }
    // A stream's small control messages (end) must not wait behind delayed ACKs.
    beast::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
}

ctl_error token_rejected(const connection_settings& settings, const std::string& server_message) {
    return ctl_error(exit_unreachable,
                     "admin token rejected by regcenterd at " + settings.address + " (token from " +
                         settings.token_source + ")" +
                         (server_message.empty() ? "" : ": " + server_message) +
                         "; check --token, --token-file, REGCENTER_TOKEN or admin.token in the "
                         "daemon's config");
}

}  // namespace regcenter::ctl
