// Action routes: run on one master (a call) or on every master a selector matches (a fan-out).
// Both are jobs; their answers come when the last master has answered or timed out.
#include <boost/json.hpp>

#include "admin_routes.hpp"
#include "center_state.hpp"
#include "job_runner.hpp"
#include "logging.hpp"
#include "regcenter/common/base64.hpp"
#include "regcenter/common/utf8.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter::admin {
namespace json = boost::json;
namespace {

// Rejects keys a route doesn't know: a misspelt "selector" must not become a fleet-wide run.
bool only_known_keys(const route_context& ctx, const json::object& body,
                     std::initializer_list<std::string_view> known, http_response& error) {
    std::string problem;
    if (!check_known_keys(body, known, problem)) {
        error = ctx.fail(http::status::bad_request, "bad-request", problem);
        return false;
    }
    return true;
}

// read_action_body with its problem as a 400.
std::optional<action_body> read_action_fields(const route_context& ctx, const json::object& body,
                                              http_response& error) {
    std::string problem;
    auto out = read_action_body(body, problem);
    if (!out) {
        error = ctx.fail(http::status::bad_request, "bad-request", problem);
    }
    return out;
}

}  // namespace

bool check_known_keys(const json::object& body, std::initializer_list<std::string_view> known,
                      std::string& problem) {
    for (const auto& [key, value] : body) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            std::string list;
            for (auto k : known) {
                list += (list.empty() ? "" : ", ") + std::string(k);
            }
            problem = "unknown key \"" + std::string(key) + "\" (expected " + list + ")";
            return false;
        }
    }
    return true;
}

std::optional<action_body> read_action_body(const json::object& body, std::string& problem) {
    action_body out;
    if (const json::value* args = body.if_contains("args")) {
        out.args = *args;
    }
    if (body.contains("input") && body.contains("input_base64")) {
        problem = "give \"input\" or \"input_base64\", not both";
        return std::nullopt;
    }
    if (const json::value* input = body.if_contains("input")) {
        if (!input->is_string()) {
            problem = "\"input\" must be a string (binary input goes in \"input_base64\")";
            return std::nullopt;
        }
        out.input = std::string(input->get_string());
    }
    if (const json::value* input = body.if_contains("input_base64")) {
        if (!input->is_string() || !base64_decode(input->get_string(), out.input)) {
            problem = "\"input_base64\" must be a base64 string";
            return std::nullopt;
        }
    }
    if (const json::value* timeout = body.if_contains("timeout_ms")) {
        const double ms = timeout->is_number() ? timeout->to_number<double>() : -1;
        if (ms < 1 || ms > 24 * 3600 * 1000.0) {
            problem = "\"timeout_ms\" must be a number from 1 to 86400000";
            return std::nullopt;
        }
        out.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
    }
    return out;
}

std::string too_many_jobs_message() {
    std::string message = "the limit of ";
    message += std::to_string(max_running_jobs);
    message += " running jobs is reached; retry when some have finished (GET /v1/jobs)";
    return message;
}

void put_call_answer(json::object& into, std::string_view job, std::string_view master,
                     std::string_view action, const call_result& r) {
    into["job"] = job;
    into["master"] = master;
    into["action"] = action;
    into["status"] = r.status;
    into["duration_ms"] = r.duration.count();
    if (r.status == "ok") {
        put_output(into, r.output);
    } else {
        into["error"] = json::object{{"code", r.error_code}, {"message", r.error_message}};
    }
}

http::status call_answer_status(const call_result& r) {
    if (r.status == "ok") {
        return http::status::ok;
    }
    if (r.status == "not-found" || r.error_code == proto::stream_error_code::unknown_action) {
        return http::status::not_found;
    }
    if (r.status == "timeout") {
        return http::status::gateway_timeout;
    }
    return http::status::bad_gateway;
}

std::optional<action_path> parse_action_path(std::string_view path) {
    constexpr std::string_view prefix = "/v1/masters/";
    constexpr std::string_view middle = "/actions/";
    constexpr std::string_view stream_suffix = "/stream";
    if (!path.starts_with(prefix)) {
        return std::nullopt;
    }
    const std::string_view rest = path.substr(prefix.size());
    const auto split = rest.find(middle);
    if (split == std::string_view::npos || split == 0) {
        return std::nullopt;
    }
    const std::string_view id = rest.substr(0, split);
    std::string_view action = rest.substr(split + middle.size());
    bool stream = false;
    if (action.ends_with(stream_suffix)) {
        action.remove_suffix(stream_suffix.size());
        stream = true;
    }
    if (id.find('/') != std::string_view::npos || action.empty() ||
        action.find('/') != std::string_view::npos) {
        return std::nullopt;
    }
    return action_path{std::string(id), std::string(action), stream};
}

std::optional<http_response> refuse_if_too_many_jobs(const route_context& ctx) {
    if (ctx.state.jobs().running() < max_running_jobs) {
        return std::nullopt;
    }
    auto res =
        ctx.fail(http::status::service_unavailable, "too-many-jobs", too_many_jobs_message());
    res.set(http::field::retry_after, "1");
    return res;
}

void call_route(const route_context& ctx, std::string id, std::string action,
                admin_responder respond) {
    if (ctx.request.method() != http::verb::post) {
        return respond(ctx.method_not_allowed("POST"));
    }
    if (auto refusal = refuse_if_too_many_jobs(ctx)) {
        return respond(std::move(*refusal));
    }
    call_request call;
    call.master_id = std::move(id);
    call.action = std::move(action);
    if (!ctx.request.body().empty()) {
        http_response error;
        auto body = parse_body(ctx, error);
        if (!body ||
            !only_known_keys(ctx, *body, {"args", "input", "input_base64", "timeout_ms"}, error)) {
            return respond(std::move(error));
        }
        auto fields = read_action_fields(ctx, *body, error);
        if (!fields) {
            return respond(std::move(error));
        }
        call.args = std::move(fields->args);
        call.input = std::move(fields->input);
        call.timeout = fields->timeout;
    }
    const unsigned version = ctx.request.version();
    const bool keep_alive = ctx.request.keep_alive();
    const std::string master = call.master_id;
    const std::string action_name = call.action;
    ctx.job_starting();
    start_call_job(
        ctx.state, std::move(call), caller(ctx.state),
        [=, respond = std::move(respond)](const std::string& job, call_result r) {
            json::object body;
            put_call_answer(body, job, master, action_name, r);
            respond(json_response(call_answer_status(r), body, version, keep_alive));
        },
        job_request{std::string(ctx.request.method_string()), std::string(ctx.path)});
}

void fan_out_route(const route_context& ctx, std::string action, admin_responder respond) {
    if (ctx.request.method() != http::verb::post) {
        return respond(ctx.method_not_allowed("POST"));
    }
    if (auto refusal = refuse_if_too_many_jobs(ctx)) {
        return respond(std::move(*refusal));
    }
    fan_out_request request;
    request.action = std::move(action);
    request.started_by = caller(ctx.state);
    bool dry_run = false;
    bool wait = true;
    if (!ctx.request.body().empty()) {
        http_response error;
        auto body = parse_body(ctx, error);
        if (!body || !only_known_keys(ctx, *body,
                                      {"args", "input", "input_base64", "timeout_ms", "selector",
                                       "dry_run", "wait"},
                                      error)) {
            return respond(std::move(error));
        }
        auto fields = read_action_fields(ctx, *body, error);
        if (!fields) {
            return respond(std::move(error));
        }
        request.args = std::move(fields->args);
        request.input = std::move(fields->input);
        request.timeout = fields->timeout;
        if (const json::value* selector = body->if_contains("selector")) {
            std::string problem;
            auto parsed = parse_selector(*selector, problem);
            if (!parsed) {
                return respond(ctx.fail(http::status::bad_request, "bad-request", problem));
            }
            request.selector = std::move(*parsed);
        }
        for (auto [key, flag] : {std::pair{"dry_run", &dry_run}, std::pair{"wait", &wait}}) {
            if (const json::value* v = body->if_contains(key)) {
                if (!v->is_bool()) {
                    return respond(ctx.fail(http::status::bad_request, "bad-request",
                                            "\"" + std::string(key) + "\" must be true or false"));
                }
                *flag = v->get_bool();
            }
        }
    }
    if (dry_run) {
        const fan_out_plan plan = plan_fan_out(ctx.state, request.action, request.selector);
        json::array targets;
        for (const auto& t : plan.targets) {
            targets.push_back(json::object{{"master", t.master}, {"name", t.name}});
        }
        json::array skipped;
        for (const auto& s : plan.skipped) {
            skipped.push_back(
                json::object{{"master", s.master}, {"name", s.name}, {"reason", s.reason}});
        }
        return respond(ctx.json(http::status::ok, json::object{{"dry_run", true},
                                                               {"action", request.action},
                                                               {"targets", std::move(targets)},
                                                               {"skipped", std::move(skipped)}}));
    }
    const unsigned version = ctx.request.version();
    const bool keep_alive = ctx.request.keep_alive();
    request.admin_request = {std::string(ctx.request.method_string()), std::string(ctx.path)};
    ctx.job_starting();
    if (!wait) {
        const std::string job = start_fan_out(ctx.state, std::move(request));
        const auto record = ctx.state.jobs().find(job);
        auto res =
            json_response(http::status::accepted,
                          json::object{{"job", job}, {"targets", record ? record->targets : 0}},
                          version, keep_alive);
        res.set(http::field::location, "/v1/jobs/" + job);
        return respond(std::move(res));
    }
    start_fan_out(ctx.state, std::move(request),
                  [version, keep_alive, respond = std::move(respond)](job_record job) {
                      respond(json_text_response(http::status::ok, job_to_json_text(job), version,
                                                 keep_alive));
                  });
}

}  // namespace regcenter::admin
