// The request side of the audit log (docs/audit.md): every authorized admin request other than
// GET and HEAD gets one entry when its answer is ready, except one that started a job, whose
// entry is written when the job finishes (center_state's job observer) so that nothing is
// recorded twice. What was done and to whom is read from the path and, for tokens, from the
// answer, which carries fingerprints; a request body with a secret in it is never looked at.
#include <boost/json.hpp>

#include "admin_routes.hpp"
#include "audit_log.hpp"
#include "center_state.hpp"

namespace regcenter::admin {
namespace json = boost::json;
namespace {

bool changes_something(http::verb method) {
    return method != http::verb::get && method != http::verb::head;
}

// The answer's body as JSON, or null.
json::value body_of(const http_response& response) {
    json::error_code ec;
    json::value body = json::parse(response.body(), ec);
    return ec ? json::value() : body;
}

// "ok" for a success, else the error code the answer carries.
std::string summary_of(const http_response& response, const json::value& body) {
    if (response.result_int() < 400) {
        return "ok";
    }
    if (const auto* object = body.if_object()) {
        if (const auto* error = object->if_contains("error"); error && error->is_object()) {
            if (const auto* code = error->get_object().if_contains("code");
                code && code->is_string()) {
                return std::string(code->get_string());
            }
        }
    }
    return "error";
}

// The args and selector of an action request body (as in the job entry), when it parses.
void put_action_body(json::object& entry, const std::string& body) {
    json::error_code ec;
    const json::value parsed = body.empty() ? json::value(json::object()) : json::parse(body, ec);
    if (ec || !parsed.is_object()) {
        return;
    }
    const json::object& fields = parsed.get_object();
    if (const json::value* selector = fields.if_contains("selector")) {
        entry["selector"] = *selector;
    }
    const json::value* args = fields.if_contains("args");
    entry["args_sha256"] = args_sha256(args != nullptr ? *args : json::value());
}

struct request_facts {
    std::string who;
    std::string method;
    std::string path;
    std::string action_body;  // action routes only: never a tokens body, which holds secrets
};

json::object request_entry(const request_facts& facts, const http_response& response) {
    const std::string_view path = facts.path;
    json::object entry{{"who", facts.who}, {"what", "request"}};
    std::string what = "request";  // a request no route knows, or a method a route refused
    json::array targets;
    json::value body;  // parsed only where the answer says something the entry needs
    constexpr std::string_view masters = "/v1/masters/";
    constexpr std::string_view actions = "/v1/actions/";
    constexpr std::string_view tokens = "/v1/tokens";
    const bool ok = response.result_int() < 300;
    if (auto action = parse_action_path(path); action && !action->stream) {
        what = "action-call";
        entry["action"] = action->action;
        targets.push_back(json::string(action->master));
        put_action_body(entry, facts.action_body);
    } else if (path.starts_with(actions) && path.size() > actions.size() &&
               path.find('/', actions.size()) == std::string_view::npos) {
        body = body_of(response);
        const bool dry_run = ok && body.is_object() && body.get_object().contains("dry_run");
        what = dry_run ? "fan-out-dry-run" : "fan-out";
        entry["action"] = std::string(path.substr(actions.size()));
        if (dry_run) {
            if (const auto* list = body.get_object().if_contains("targets");
                list && list->is_array()) {
                for (const json::value& t : list->get_array()) {
                    if (const auto* m =
                            t.is_object() ? t.get_object().if_contains("master") : nullptr) {
                        targets.push_back(*m);
                    }
                }
            }
        }
        put_action_body(entry, facts.action_body);
    } else if (path.starts_with(masters) && path.size() > masters.size() &&
               facts.method == "DELETE" &&
               path.find('/', masters.size()) == std::string_view::npos) {
        what = "kick";
        targets.push_back(json::string(path.substr(masters.size())));
    } else if ((path == tokens || path == "/v1/tokens/") &&
               (facts.method == "POST" || facts.method == "PUT")) {
        body = body_of(response);
        const json::object* answer = body.if_object();
        if (facts.method == "POST") {
            what = "token-add";
            if (ok && answer) {
                if (const auto* fp = answer->if_contains("fingerprint")) {
                    targets.push_back(*fp);
                }
            }
        } else {
            what = "tokens-replace";
            const json::value* list = ok && answer ? answer->if_contains("tokens") : nullptr;
            if (list && list->is_array()) {
                for (const json::value& t : list->get_array()) {
                    if (const auto* fp =
                            t.is_object() ? t.get_object().if_contains("fingerprint") : nullptr) {
                        targets.push_back(*fp);
                    }
                }
            }
        }
    } else if (path.starts_with("/v1/tokens/") && path.size() > tokens.size() + 1 &&
               facts.method == "DELETE") {
        what = "token-remove";
        targets.push_back(json::string(path.substr(tokens.size() + 1)));
    }
    entry["what"] = what;
    entry["method"] = facts.method;
    entry["path"] = facts.path;
    entry["targets"] = std::move(targets);
    if (response.result_int() >= 400 && body.is_null()) {
        body = body_of(response);
    }
    std::string summary = summary_of(response, body);
    if (what == "token-add" && ok) {
        const json::object* answer = body.if_object();
        const json::value* added = answer ? answer->if_contains("added") : nullptr;
        summary = added && added->is_bool() && !added->get_bool() ? "already-present" : "added";
    }
    entry["result"] =
        json::object{{"status", response.result_int()}, {"summary", std::move(summary)}};
    return entry;
}

}  // namespace

admin_responder audit_request(route_context& ctx, admin_responder respond) {
    if (!changes_something(ctx.request.method())) {
        return respond;
    }
    auto note = std::make_shared<audit_note>();
    ctx.audit = note.get();
    request_facts facts{
        caller(ctx.state), std::string(ctx.request.method_string()), std::string(ctx.path), {}};
    if (parse_action_path(ctx.path) || ctx.path.starts_with("/v1/actions/")) {
        facts.action_body = ctx.request.body();
    }
    return [&state = ctx.state, note, facts = std::move(facts),
            respond = std::move(respond)](http_response response) {
        if (!note->job_started) {
            state.audit().record(request_entry(facts, response));
        }
        respond(std::move(response));
    };
}

void audit_stream_refusal(const route_context& ctx, const http_response& refusal) {
    json::object entry{{"who", caller(ctx.state)},
                       {"what", "stream"},
                       {"method", std::string(ctx.request.method_string())},
                       {"path", std::string(ctx.path)}};
    json::array targets;
    if (auto action = parse_action_path(ctx.path)) {
        entry["action"] = action->action;
        targets.push_back(json::string(action->master));
    }
    entry["targets"] = std::move(targets);
    if (auto text = query_param(ctx.request.target(), "args")) {
        json::error_code ec;
        const json::value args = json::parse(*text, ec);
        if (!ec) {
            entry["args_sha256"] = args_sha256(args);
        }
    } else if (!has_query_param(ctx.request.target(), "args")) {
        entry["args_sha256"] = args_sha256(json::value());
    }
    entry["result"] = json::object{{"status", refusal.result_int()},
                                   {"summary", summary_of(refusal, body_of(refusal))}};
    ctx.state.audit().record(entry);
}

}  // namespace regcenter::admin
