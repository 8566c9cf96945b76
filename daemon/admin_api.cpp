// Admin routes: masters (list, show, kick) and tokens (list, add, replace, remove).
#include "admin_api.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "action_call.hpp"
#include "center_state.hpp"
#include "logging.hpp"
#include "master_session.hpp"
#include "regcenter/common/base64.hpp"
#include "regcenter/common/random_id.hpp"
#include "regcenter/common/sha256.hpp"
#include "regcenter/common/time_format.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace json = boost::json;
namespace {

struct route_context {
    center_state& state;
    const http_request& request;
    std::string_view path;

    http_response json(http::status status, const json::value& body) const {
        return json_response(status, body, request.version(), request.keep_alive());
    }
    http_response fail(http::status status, std::string_view code, std::string_view message) const {
        return error_response(status, code, message, request.version(), request.keep_alive());
    }
    http_response no_content() const {
        http_response res{http::status::no_content, request.version()};
        res.keep_alive(request.keep_alive());
        res.prepare_payload();
        return res;
    }
    http_response method_not_allowed(std::string_view allow) const {
        auto res = fail(http::status::method_not_allowed, "method-not-allowed",
                        std::string(request.method_string()) + " is not allowed on " +
                            std::string(path) + "; allowed: " + std::string(allow));
        res.set(http::field::allow, allow);
        return res;
    }
};

json::object master_to_json(const master_info& m) {
    json::object labels;
    for (const auto& [k, v] : m.labels) {
        labels[k] = v;
    }
    json::array actions;
    for (const auto& a : m.actions) {
        json::object entry{{"name", a.name}, {"description", a.description}};
        if (a.args_schema) {
            entry["args_schema"] = *a.args_schema;
        }
        actions.push_back(std::move(entry));
    }
    return {{"id", m.id},
            {"name", m.name},
            {"labels", std::move(labels)},
            {"remote", m.remote},
            {"connected_at", format_rfc3339(m.connected_at)},
            {"authenticated_at", format_rfc3339(m.authenticated_at)},
            {"last_seen_at", format_rfc3339(m.last_seen_at)},
            {"actions", std::move(actions)}};
}

bool authorized(const center_state& state, const http_request& request) {
    const std::string expected = state.admin_token();
    if (expected.empty()) {
        return false;
    }
    const std::string_view header = request[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (header.size() <= scheme.size() || !header.starts_with(scheme)) {
        return false;
    }
    return constant_time_equal(header.substr(scheme.size()), expected);
}

// Parses the body as a JSON object or explains why it isn't one.
std::optional<json::object> parse_body(const route_context& ctx, http_response& error) {
    json::error_code ec;
    json::value body = json::parse(ctx.request.body(), ec);
    if (ec || !body.is_object()) {
        error = ctx.fail(http::status::bad_request, "bad-request",
                         ec ? "request body is not valid JSON: " + ec.message()
                            : std::string("request body must be a JSON object"));
        return std::nullopt;
    }
    return std::move(body.get_object());
}

json::object tokens_body(center_state& state) {
    json::array tokens;
    for (const auto& fp : state.tokens().fingerprints()) {
        tokens.push_back(json::object{{"fingerprint", fp}});
    }
    return {{"tokens", std::move(tokens)}};
}

http_response masters_route(const route_context& ctx) {
    const std::string_view rest = ctx.path.substr(std::string_view("/v1/masters").size());
    if (rest.empty() || rest == "/") {
        if (ctx.request.method() != http::verb::get) {
            return ctx.method_not_allowed("GET");
        }
        json::array list;
        for (const auto& m : ctx.state.master_list()) {
            list.push_back(master_to_json(m));
        }
        return ctx.json(http::status::ok, json::object{{"masters", std::move(list)}});
    }
    const std::string id(rest.substr(1));
    if (id.find('/') != std::string::npos) {
        return ctx.fail(http::status::not_found, "not-found", "no such endpoint");
    }
    switch (ctx.request.method()) {
        case http::verb::get: {
            auto session = ctx.state.sessions().find_master(id);
            if (!session) {
                return ctx.fail(http::status::not_found, "master-not-found",
                                "no connected master has session id " + id);
            }
            return ctx.json(http::status::ok, master_to_json(session->info()));
        }
        case http::verb::delete_:
            if (!ctx.state.kick(id)) {
                return ctx.fail(http::status::not_found, "master-not-found",
                                "no connected master has session id " + id);
            }
            logging::notice("master kicked by operator", {{"SESSION_ID", id}, {"EVENT", "kick"}});
            return ctx.no_content();
        default:
            return ctx.method_not_allowed("GET, DELETE");
    }
}

http_response tokens_route(const route_context& ctx) {
    const std::string_view rest = ctx.path.substr(std::string_view("/v1/tokens").size());
    token_store& tokens = ctx.state.tokens();
    if (rest.empty() || rest == "/") {
        http_response error;
        switch (ctx.request.method()) {
            case http::verb::get:
                return ctx.json(http::status::ok, tokens_body(ctx.state));
            case http::verb::post: {
                auto body = parse_body(ctx, error);
                if (!body) {
                    return error;
                }
                const json::value* token = body->if_contains("token");
                if (token == nullptr || !token->is_string() || token->get_string().empty()) {
                    return ctx.fail(http::status::bad_request, "bad-request",
                                    "body must be {\"token\":\"<non-empty string>\"}");
                }
                const std::string secret(token->get_string());
                const bool added = tokens.add(secret);
                const std::string fingerprint = token_fingerprint(secret);
                if (added) {
                    logging::notice("token added",
                                    {{"FINGERPRINT", fingerprint}, {"EVENT", "tokens-changed"}});
                }
                return ctx.json(added ? http::status::created : http::status::ok,
                                json::object{{"fingerprint", fingerprint}, {"added", added}});
            }
            case http::verb::put: {
                auto body = parse_body(ctx, error);
                if (!body) {
                    return error;
                }
                const json::value* list = body->if_contains("tokens");
                if (list == nullptr || !list->is_array()) {
                    return ctx.fail(http::status::bad_request, "bad-request",
                                    "body must be {\"tokens\":[\"<token>\",…]}");
                }
                std::vector<std::string> secrets;
                for (const json::value& t : list->get_array()) {
                    if (!t.is_string() || t.get_string().empty()) {
                        return ctx.fail(http::status::bad_request, "bad-request",
                                        "every entry of \"tokens\" must be a non-empty string");
                    }
                    secrets.emplace_back(t.get_string());
                }
                tokens.replace(std::move(secrets));
                logging::notice("tokens replaced", {{"COUNT", std::to_string(tokens.size())},
                                                    {"EVENT", "tokens-changed"}});
                return ctx.json(http::status::ok, tokens_body(ctx.state));
            }
            default:
                return ctx.method_not_allowed("GET, POST, PUT");
        }
    }
    const std::string_view fingerprint = rest.substr(1);
    if (ctx.request.method() != http::verb::delete_) {
        return ctx.method_not_allowed("DELETE");
    }
    if (!tokens.remove_by_fingerprint(fingerprint)) {
        return ctx.fail(http::status::not_found, "token-not-found",
                        "no token has fingerprint " + std::string(fingerprint) +
                            " (GET /v1/tokens lists them)");
    }
    logging::notice("token removed", {{"FINGERPRINT", fingerprint}, {"EVENT", "tokens-changed"}});
    return ctx.no_content();
}

bool under(std::string_view path, std::string_view prefix) {
    return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

// "/v1/masters/{id}/actions/{action}" → {id, action}.
std::optional<std::pair<std::string, std::string>> parse_action_path(std::string_view path) {
    constexpr std::string_view prefix = "/v1/masters/";
    constexpr std::string_view middle = "/actions/";
    if (!path.starts_with(prefix)) {
        return std::nullopt;
    }
    const std::string_view rest = path.substr(prefix.size());
    const auto split = rest.find(middle);
    if (split == std::string_view::npos || split == 0) {
        return std::nullopt;
    }
    const std::string_view id = rest.substr(0, split);
    const std::string_view action = rest.substr(split + middle.size());
    if (id.find('/') != std::string_view::npos || action.empty() ||
        action.find('/') != std::string_view::npos) {
        return std::nullopt;
    }
    return std::pair{std::string(id), std::string(action)};
}

// Strings in JSON must be UTF-8; other output travels base64-encoded.
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        if (lead < 0x80) {
            extra = 0;
        } else if ((lead >> 5) == 0x6) {
            extra = 1;
        } else if ((lead >> 4) == 0xe) {
            extra = 2;
        } else if ((lead >> 3) == 0x1e) {
            extra = 3;
        } else {
            return false;
        }
        if (extra > s.size() - i - 1) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

void action_route(const route_context& ctx, std::string id, std::string action,
                  admin_responder respond) {
    if (ctx.request.method() != http::verb::post) {
        return respond(ctx.method_not_allowed("POST"));
    }
    call_request call;
    call.master_id = std::move(id);
    call.action = std::move(action);
    if (!ctx.request.body().empty()) {
        http_response error;
        auto body = parse_body(ctx, error);
        if (!body) {
            return respond(std::move(error));
        }
        if (const json::value* args = body->if_contains("args")) {
            call.args = *args;
        }
        if (const json::value* input = body->if_contains("input")) {
            if (!input->is_string()) {
                return respond(ctx.fail(http::status::bad_request, "bad-request",
                                        "\"input\" must be a string"));
            }
            call.input = std::string(input->get_string());
        }
        if (const json::value* input = body->if_contains("input_base64")) {
            std::string decoded;
            if (!input->is_string() || !base64_decode(input->get_string(), decoded)) {
                return respond(ctx.fail(http::status::bad_request, "bad-request",
                                        "\"input_base64\" must be a base64 string"));
            }
            call.input = std::move(decoded);
        }
        if (const json::value* timeout = body->if_contains("timeout_ms")) {
            if (!timeout->is_number() || timeout->to_number<double>() <= 0) {
                return respond(ctx.fail(http::status::bad_request, "bad-request",
                                        "\"timeout_ms\" must be a positive number"));
            }
            call.timeout =
                std::chrono::milliseconds(static_cast<std::int64_t>(timeout->to_number<double>()));
        }
    }
    const std::string job = random_hex_id(8);
    const unsigned version = ctx.request.version();
    const bool keep_alive = ctx.request.keep_alive();
    const std::string master = call.master_id;
    const std::string action_name = call.action;
    logging::info("action started",
                  {{"JOB_ID", job}, {"SESSION_ID", master}, {"ACTION", action_name}});
    start_call(ctx.state, std::move(call), [=, respond = std::move(respond)](call_result r) {
        logging::info("action finished", {{"JOB_ID", job},
                                          {"SESSION_ID", master},
                                          {"ACTION", action_name},
                                          {"STATUS", r.status},
                                          {"DURATION_MS", std::to_string(r.duration.count())}});
        json::object body{{"job", job},
                          {"master", master},
                          {"action", action_name},
                          {"status", r.status},
                          {"duration_ms", r.duration.count()}};
        http::status status = http::status::ok;
        if (r.status == "ok") {
            if (valid_utf8(r.output)) {
                body["output"] = r.output;
            } else {
                body["output_base64"] = base64_encode(r.output);
            }
        } else {
            body["error"] = json::object{{"code", r.error_code}, {"message", r.error_message}};
            if (r.status == "not-found" ||
                r.error_code == proto::stream_error_code::unknown_action) {
                status = http::status::not_found;
            } else if (r.status == "timeout") {
                status = http::status::gateway_timeout;
            } else {
                status = http::status::bad_gateway;
            }
        }
        respond(json_response(status, body, version, keep_alive));
    });
}

http_response handle_sync_request(center_state& state, const http_request& request) {
    const std::string_view target = request.target();
    const route_context ctx{state, request, target.substr(0, target.find('?'))};
    if (ctx.path == "/healthz") {
        if (request.method() != http::verb::get && request.method() != http::verb::head) {
            return ctx.method_not_allowed("GET, HEAD");
        }
        return ctx.json(http::status::ok, json::object{{"status", "ok"}});
    }
    if (!authorized(state, request)) {
        auto res = ctx.fail(http::status::unauthorized, "unauthorized",
                            state.admin_token().empty()
                                ? "the admin API is disabled: set admin.token in the config"
                                : "missing or wrong \"Authorization: Bearer <admin.token>\"");
        res.set(http::field::www_authenticate, "Bearer realm=\"regcenter\"");
        return res;
    }
    if (under(ctx.path, "/v1/masters")) {
        return masters_route(ctx);
    }
    if (under(ctx.path, "/v1/tokens")) {
        return tokens_route(ctx);
    }
    return ctx.fail(http::status::not_found, "not-found",
                    "no such endpoint: " + std::string(ctx.path));
}

}  // namespace

void handle_admin_request(center_state& state, const http_request& request,
                          admin_responder respond) {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (auto call = parse_action_path(path); call && authorized(state, request)) {
        return action_route(route_context{state, request, path}, call->first, call->second,
                            std::move(respond));
    }
    respond(handle_sync_request(state, request));
}

}  // namespace regcenter
