// JSON responses shared by the admin API and the master port's refusals.
#include "http_util.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace regcenter {
namespace json = boost::json;

http_response json_response(http::status status, const json::value& body, unsigned version,
                            bool keep_alive) {
    http_response res{status, version};
    res.set(http::field::server, "regcenterd/0.1");
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(keep_alive);
    res.body() = json::serialize(body);
    res.body() += '\n';
    res.prepare_payload();
    return res;
}

http_response error_response(http::status status, std::string_view code, std::string_view message,
                             unsigned version, bool keep_alive) {
    return json_response(
        status, json::object{{"error", json::object{{"code", code}, {"message", message}}}},
        version, keep_alive);
}

}  // namespace regcenter
