// Blocking HTTP client built on async operations with a deadline.
#include "support/http_client.hpp"

#include <boost/json/parse.hpp>
#include <stdexcept>

namespace regcenter::test {

boost::json::value http_result::json() const {
    boost::json::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) {
        throw std::runtime_error("response body is not JSON: " + body);
    }
    return v;
}

http_result http_call(const tcp::endpoint& server, http::verb method, const std::string& target,
                      const std::string& bearer, const std::string& body,
                      std::chrono::milliseconds timeout) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(false);
    if (!bearer.empty()) {
        req.set(http::field::authorization, "Bearer " + bearer);
    }
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();

    http_result out;
    beast::flat_buffer buffer;
    beast::error_code result;
    stream.async_connect(server, [&](beast::error_code ec) {
        if (ec) {
            result = ec;
            return;
        }
        http::async_write(stream, req, [&](beast::error_code write_ec, std::size_t) {
            // A server may answer (413, say) before the whole body is written and close; the
            // answer is still there to read.
            http::async_read(stream, buffer, out.raw,
                             [&, write_ec](beast::error_code ec, std::size_t) {
                                 result = ec ? (write_ec ? write_ec : ec) : beast::error_code{};
                             });
        });
    });
    ioc.run();
    if (result) {
        throw std::system_error(result, "http_call " + target);
    }
    out.status = out.raw.result_int();
    out.body = out.raw.body();
    return out;
}

}  // namespace regcenter::test
