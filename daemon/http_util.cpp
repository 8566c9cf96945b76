// JSON responses shared by the admin API and the master port's refusals.
#include "http_util.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace regcenter {
namespace json = boost::json;

namespace {

template <class Json>
http_response serialized_response(http::status status, const Json& body, unsigned version,
                                  bool keep_alive) {
    return json_text_response(status, json::serialize(body), version, keep_alive);
}

}  // namespace

http_response json_text_response(http::status status, std::string body, unsigned version,
                                 bool keep_alive) {
    http_response res{status, version};
    res.set(http::field::server, "regcenterd/0.1");
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.body() += '\n';
    res.prepare_payload();
    return res;
}

http_response json_response(http::status status, const json::value& body, unsigned version,
                            bool keep_alive) {
    return serialized_response(status, body, version, keep_alive);
}

http_response json_response(http::status status, const json::object& body, unsigned version,
                            bool keep_alive) {
    return serialized_response(status, body, version, keep_alive);
}

http_response json_response(http::status status, const json::array& body, unsigned version,
                            bool keep_alive) {
    return serialized_response(status, body, version, keep_alive);
}

http_response error_response(http::status status, std::string_view code, std::string_view message,
                             unsigned version, bool keep_alive) {
    return json_response(
        status, json::object{{"error", json::object{{"code", code}, {"message", message}}}},
        version, keep_alive);
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] != '%') {
            out += in[i];
        } else {
            if (i + 2 >= in.size()) {
                return std::nullopt;
            }
            const int high = hex_value(in[i + 1]);
            const int low = hex_value(in[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        }
    }
    return out;
}

}  // namespace

namespace {

// The raw (still encoded) value of `name` in the target's query, or nullopt if it is absent.
std::optional<std::string_view> raw_query_param(std::string_view target, std::string_view name) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
    if (auto raw = raw_query_param(target, name)) {
        return percent_decode(*raw);
    }
    return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, std::string>>> query_params(
    std::string_view target) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto question = target.find('?');
    if (question == std::string_view::npos) {
        return out;
    }
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto eq = pair.find('=');
        auto key = percent_decode(pair.substr(0, eq));
        auto value =
            percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!key || !value) {
            return std::nullopt;
        }
        out.emplace_back(std::move(*key), std::move(*value));
    }
    return out;
}

bool has_query_param(std::string_view target, std::string_view name) {
    return raw_query_param(target, name).has_value();
}

}  // namespace regcenter
