// The admin API over one kept-alive HTTP/1.1 connection; every operation runs a private
// io_context with a deadline, so nothing blocks forever.
#include "admin_client.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "connect.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

constexpr auto connect_timeout = std::chrono::seconds(10);

// Fan-out results carry every master's output (up to 16 MiB each), so the limit is generous;
// it only keeps a broken peer from exhausting memory.
constexpr std::uint64_t max_response_body = 1024ull * 1024 * 1024;

// The daemon closes kept-alive connections after 30 s idle: a request on such a connection
// fails before any answer, and is safe to send again when it reads nothing.
bool stale_connection(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

std::string method_and_target(http::verb method, const std::string& target) {
    return std::string(http::to_string(method)) + " " + target;
}

}  // namespace

admin_client::admin_client(connection_settings settings, std::ostream* log)
    : settings_(std::move(settings)), log_(log), stream_(ioc_) {}

admin_client::response admin_client::send(http::verb method, const std::string& target,
                                          const std::string& body,
                                          std::chrono::milliseconds timeout) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, settings_.address);
    req.set(http::field::user_agent, "regcenterctl");
    req.set(http::field::authorization, "Bearer " + settings_.token);
    req.set(http::field::accept, "application/json");
    req.keep_alive(true);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
        const bool reused = stream_.socket().is_open();
        if (!reused) {
            buffer_.clear();
            connect_admin(ioc_, stream_, settings_, connect_timeout);
        }
        const auto started = std::chrono::steady_clock::now();
        http::response_parser<http::string_body> parser;
        parser.body_limit(max_response_body);
        beast::error_code error;
        bool answered = false;
        stream_.expires_after(timeout);
        http::async_write(stream_, req, [&](beast::error_code write_ec, std::size_t) {
            // The daemon may answer (413, say) before reading the whole body, then close; the
            // answer is still there to read.
            http::async_read(stream_, buffer_, parser,
                             [&, write_ec](beast::error_code ec, std::size_t) {
                                 answered = !ec;
                                 error = ec ? ec : write_ec;
                             });
        });
        ioc_.restart();
        ioc_.run();
        stream_.expires_never();

        if (!answered) {
            beast::error_code ignored;
            stream_.socket().close(ignored);
            if (reused && attempt == 0 && method == http::verb::get && stale_connection(error)) {
                continue;
            }
            if (error == beast::error::timeout) {
                throw ctl_error(exit_unreachable,
                                "regcenterd at " + settings_.address + " did not answer " +
                                    method_and_target(method, target) + " within " +
                                    std::to_string(timeout.count() / 1000) + "s");
            }
            throw ctl_error(exit_unreachable, "lost the connection to regcenterd at " +
                                                  settings_.address + " during " +
                                                  method_and_target(method, target) + ": " +
                                                  error.message());
        }
        auto res = parser.release();
        if (!res.keep_alive()) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream_.socket().close(ignored);
        }
        if (log_ != nullptr) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            *log_ << "regcenterctl: " << method_and_target(method, target) << " -> "
                  << res.result_int() << " (" << ms.count() << " ms)\n";
        }
        response out{res.result_int(), std::move(res.body())};
        if (out.status == 401) {
            throw token_rejected(settings_, api_error_message(out.body));
        }
        return out;
    }
}

json::value admin_client::call(http::verb method, const std::string& target,
                               const std::optional<json::value>& body,
                               std::initializer_list<unsigned> ok) {
    const response r = send(method, target, body ? json::serialize(*body) : std::string());
    if (std::find(ok.begin(), ok.end(), r.status) == ok.end()) {
        throw api_failure(method, target, r);
    }
    if (r.body.empty()) {
        return nullptr;
    }
    return parse(method, target, r);
}

json::value admin_client::parse(http::verb method, const std::string& target,
                                const response& r) const {
    json::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec) {
        throw ctl_error(exit_failed, "unexpected answer from regcenterd at " + settings_.address +
                                         " to " + method_and_target(method, target) + ": HTTP " +
                                         std::to_string(r.status) +
                                         " with a body that is not "
                                         "JSON (" +
                                         ec.message() + ")");
    }
    return v;
}

ctl_error admin_client::api_failure(http::verb method, const std::string& target,
                                    const response& r) const {
    return ctl::api_failure(settings_, method_and_target(method, target), r.status, r.body);
}

namespace {

// The {"code","message"} object of an API error body; nullptr if it has none.
const json::object* error_object(const json::value& v) {
    const json::value* error = v.is_object() ? v.get_object().if_contains("error") : nullptr;
    return error != nullptr && error->is_object() ? &error->get_object() : nullptr;
}

std::string text_of(const json::object& o, const char* key) {
    const json::value* field = o.if_contains(key);
    return field != nullptr && field->is_string() ? std::string(field->get_string())
                                                  : std::string();
}

}  // namespace

std::string api_error_message(const std::string& body) {
    json::error_code ec;
    const json::value v = json::parse(body, ec);
    const json::object* e = ec ? nullptr : error_object(v);
    return e != nullptr ? text_of(*e, "message") : std::string();
}

ctl_error api_failure(const connection_settings& settings, const std::string& request,
                      unsigned status, const std::string& body) {
    json::error_code ec;
    const json::value v = json::parse(body, ec);
    if (const json::object* e = ec ? nullptr : error_object(v)) {
        const std::string code = text_of(*e, "code");
        std::string message = code + ": " + text_of(*e, "message");
        if (code == "not-found") {
            // The generic 404: the path itself is unknown, which means an older daemon.
            message += " (" + request + " on " + settings.address +
                       "; is regcenterd older than regcenterctl?)";
        } else if (status == 413) {
            message += " (use `regcenterctl stream` for large input)";
        }
        return ctl_error(exit_failed, message);
    }
    return ctl_error(exit_failed, "regcenterd at " + settings.address + " answered " + request +
                                      " with HTTP " + std::to_string(status) +
                                      (body.empty() ? "" : ": " + body.substr(0, 200)));
}

}  // namespace regcenter::ctl
