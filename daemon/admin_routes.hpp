// What the admin route files share: the request being served and how to answer it.
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "action_call.hpp"
#include "admin_api.hpp"

namespace regcenter {

class center_state;
struct job_record;

namespace admin {

/// What the audit needs to hear from a route while it serves a changing request.
struct audit_note {
    /// The request started a job: the job's own entry, written when it finishes, covers it.
    bool job_started = false;
};

struct route_context {
    center_state& state;
    const http_request& request;
    std::string_view path;
    /// Set while a request that changes something (POST, PUT, PATCH, DELETE) is served.
    audit_note* audit = nullptr;

    /// A route calls this just before it starts a job, so that the request gets no entry of
    /// its own besides the job's.
    void job_starting() const {
        if (audit != nullptr) {
            audit->job_started = true;
        }
    }

    http_response json(http::status status, const boost::json::value& body) const {
        return json_response(status, body, request.version(), request.keep_alive());
    }
    http_response json_text(http::status status, std::string serialized) const {
        return json_text_response(status, std::move(serialized), request.version(),
                                  request.keep_alive());
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

/// For an authorized request that changes something: sets ctx.audit and returns a responder
/// that writes the request's audit entry (docs/audit.md) before passing the response on,
/// unless the request started a job. Other requests get `respond` back unchanged.
admin_responder audit_request(route_context& ctx, admin_responder respond);

/// Audits a stream request (GET with an upgrade) that was refused before a job started.
void audit_stream_refusal(const route_context& ctx, const http_response& refusal);

/// True if the request carries "Authorization: Bearer <admin token>".
bool authorized(const center_state& state, const http_request& request);

/// 401 with a message that says what is missing.
http_response unauthorized(const route_context& ctx);

/// "/v1/masters/{id}/actions/{action}[/stream]", split.
struct action_path {
    std::string master;
    std::string action;
    bool stream = false;
};
std::optional<action_path> parse_action_path(std::string_view path);

/// Parses the body as a JSON object, or sets `error` to a 400 that says why it isn't one.
std::optional<boost::json::object> parse_body(const route_context& ctx, http_response& error);

/// Who is calling, for jobs and logs: "admin:" and the fingerprint of the admin token.
std::string caller(const center_state& state);

/// A 503 when max_running_jobs jobs are running, so that a runaway script can't pile up jobs.
std::optional<http_response> refuse_if_too_many_jobs(const route_context& ctx);
/// What that 503 says.
std::string too_many_jobs_message();

/// False, with the first unknown key named in `problem`, if `body` has a key not in `known`:
/// a misspelt "selector" must not become a fleet-wide run.
bool check_known_keys(const boost::json::object& body,
                      std::initializer_list<std::string_view> known, std::string& problem);

/// The members a call or fan-out takes besides its target.
struct action_body {
    boost::json::value args;
    std::string input;
    std::chrono::milliseconds timeout{30000};
};
/// Reads args, input or input_base64, and timeout_ms; nullopt with what is wrong in `problem`.
std::optional<action_body> read_action_body(const boost::json::object& body, std::string& problem);

/// Appends a finished call's answer to `into`: job, master, action, status, duration_ms, then
/// output (put_output) or error {code, message}.
void put_call_answer(boost::json::object& into, std::string_view job, std::string_view master,
                     std::string_view action, const call_result& r);
/// The HTTP status of that answer: 200, 404 (no such master or action), 504 (timeout), 502.
http::status call_answer_status(const call_result& r);

/// POST /v1/masters/{id}/actions/{action}: one master, answered when the call completes.
void call_route(const route_context& ctx, std::string id, std::string action,
                admin_responder respond);

/// POST /v1/actions/{action}: every master a selector matches.
void fan_out_route(const route_context& ctx, std::string action, admin_responder respond);

/// GET /v1/services and GET /v1/services/{name}?meta.K=V&label.K=V.
http_response services_route(const route_context& ctx);

/// GET /v1/masters/{id}/services.
http_response master_services_route(const route_context& ctx, const std::string& id);

/// GET /v1/jobs and GET /v1/jobs/{id}.
http_response jobs_route(const route_context& ctx);

/// GET /metrics, which authorizes the request itself (admin.metrics_public).
http_response metrics_route(const route_context& ctx);

/// Output as JSON allows: UTF-8 text in "output", anything else base64 in "output_base64".
void put_output(boost::json::object& into, const std::string& output);

/// A job as the API shows it, without its results (the jobs list).
boost::json::object job_to_json(const job_record& job);

/// The whole job, serialized: job_to_json plus args, selector, every master's result and the
/// skipped masters. Written as text, not as a tree: a fan-out to N masters answers with N
/// results, and a tree would allocate several nodes per result only to serialize them once.
std::string job_to_json_text(const job_record& job);

}  // namespace admin
}  // namespace regcenter
