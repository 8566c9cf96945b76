// What the admin route files share: the request being served and how to answer it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "admin_api.hpp"

namespace regcenter {

class center_state;
struct job_record;

namespace admin {

struct route_context {
    center_state& state;
    const http_request& request;
    std::string_view path;

    http_response json(http::status status, const boost::json::value& body) const {
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

/// Output as JSON allows: UTF-8 text in "output", anything else base64 in "output_base64".
void put_output(boost::json::object& into, const std::string& output);

/// A job as the API shows it; with_results adds results and skipped masters.
boost::json::object job_to_json(const job_record& job, bool with_results);

}  // namespace admin
}  // namespace regcenter
