// The admin API's dispatch and authorization, and the registry routes: masters (list, show,
// kick) and tokens (list, add, replace, remove). Actions and jobs have their own files.
#include "admin_api.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "admin_calls.hpp"
#include "admin_routes.hpp"
#include "center_state.hpp"
#include "logging.hpp"
#include "master_session.hpp"
#include "regcenter/common/sha256.hpp"
#include "regcenter/common/time_format.hpp"

namespace regcenter {
namespace json = boost::json;

namespace admin {

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

std::string caller(const center_state& state) {
    return state.admin_caller();
}

}  // namespace admin

namespace {
using admin::route_context;

json::object master_to_json(const master_info& m) {
    json::object labels;
    for (const auto& [k, v] : m.labels) {
        labels[k] = v;
    }
    json::array actions;
    if (m.actions) {
        for (const auto& a : *m.actions) {
            json::object entry{{"name", a.name}, {"description", a.description}};
            if (a.args_schema) {
                entry["args_schema"] = *a.args_schema;
            }
            actions.push_back(std::move(entry));
        }
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
    std::string id(rest.substr(1));
    if (id.ends_with("/services")) {
        id.resize(id.size() - std::string_view("/services").size());
        if (id.find('/') == std::string::npos) {
            return admin::master_services_route(ctx, id);
        }
    }
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
                    ctx.state.events().publish(event_type::tokens_changed,
                                               {{"change", "added"}, {"fingerprint", fingerprint}});
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
                ctx.state.events().publish(event_type::tokens_changed,
                                           {{"change", "replaced"}, {"count", tokens.size()}});
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
    ctx.state.events().publish(event_type::tokens_changed,
                               {{"change", "removed"}, {"fingerprint", fingerprint}});
    logging::notice("token removed", {{"FINGERPRINT", fingerprint}, {"EVENT", "tokens-changed"}});
    return ctx.no_content();
}

bool under(std::string_view path, std::string_view prefix) {
    return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

}  // namespace

namespace admin {

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

http_response unauthorized(const route_context& ctx) {
    auto res = ctx.fail(http::status::unauthorized, "unauthorized",
                        ctx.state.admin_token().empty()
                            ? "the admin API is disabled: set admin.token in the config"
                            : "missing or wrong \"Authorization: Bearer <admin.token>\"");
    res.set(http::field::www_authenticate, "Bearer realm=\"regcenter\"");
    return res;
}

}  // namespace admin

void handle_admin_request(center_state& state, const http_request& request,
                          admin_responder respond) {
    route_context ctx{state, request, target_path(request.target())};
    if (ctx.path == "/healthz") {
        if (request.method() != http::verb::get && request.method() != http::verb::head) {
            return respond(ctx.method_not_allowed("GET, HEAD"));
        }
        http_response ok = ctx.json(http::status::ok, json::object{{"status", "ok"}});
        if (request.method() == http::verb::head) {
            ok.body().clear();  // the headers of the GET, Content-Length included, and no body
        }
        return respond(std::move(ok));
    }
    if (ctx.path == "/metrics") {
        return respond(admin::metrics_route(ctx));
    }
    if (!admin::authorized(state, request)) {
        return respond(admin::unauthorized(ctx));
    }
    respond = admin::audit_request(ctx, std::move(respond));  // docs/audit.md
    if (ctx.path == calls_path) {
        return respond(ctx.fail(http::status::upgrade_required, "upgrade-required",
                                "the call endpoint speaks WebSocket: send an upgrade request, "
                                "then one JSON message per call (docs/admin-api.md)"));
    }
    if (auto p = admin::parse_action_path(ctx.path)) {
        if (p->stream) {
            return respond(ctx.fail(http::status::upgrade_required, "upgrade-required",
                                    "the stream endpoint speaks WebSocket: send an upgrade "
                                    "request (regcenterctl stream does)"));
        }
        return admin::call_route(ctx, std::move(p->master), std::move(p->action),
                                 std::move(respond));
    }
    constexpr std::string_view fan_out_prefix = "/v1/actions/";
    if (ctx.path.starts_with(fan_out_prefix) && ctx.path.size() > fan_out_prefix.size() &&
        ctx.path.find('/', fan_out_prefix.size()) == std::string_view::npos) {
        return admin::fan_out_route(ctx, std::string(ctx.path.substr(fan_out_prefix.size())),
                                    std::move(respond));
    }
    if (under(ctx.path, "/v1/masters")) {
        return respond(masters_route(ctx));
    }
    if (under(ctx.path, "/v1/tokens")) {
        return respond(tokens_route(ctx));
    }
    if (under(ctx.path, "/v1/jobs")) {
        return respond(admin::jobs_route(ctx));
    }
    if (under(ctx.path, "/v1/services")) {
        return respond(admin::services_route(ctx));
    }
    respond(ctx.fail(http::status::not_found, "not-found",
                     "no such endpoint: " + std::string(ctx.path)));
}

}  // namespace regcenter
