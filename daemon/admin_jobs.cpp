// Job routes: the recent jobs, and one job with its per-master results (also the body of a
// finished fan-out).
#include <charconv>

#include <boost/json.hpp>

#include "admin_routes.hpp"
#include "center_state.hpp"
#include "job.hpp"
#include "regcenter/common/base64.hpp"
#include "regcenter/common/time_format.hpp"
#include "regcenter/common/utf8.hpp"

namespace regcenter::admin {
namespace json = boost::json;
namespace {

constexpr std::size_t default_list_limit = 100;

json::object summary_to_json(const job_summary& s) {
    return {
        {"ok", s.ok}, {"error", s.error}, {"timeout", s.timeout}, {"disconnected", s.disconnected}};
}

json::object result_to_json(const job_result& r) {
    json::object out{{"master", r.master},
                     {"name", r.name},
                     {"status", to_string(r.status)},
                     {"duration_ms", r.duration.count()},
                     {"output_bytes", r.output_bytes}};
    if (!r.output.empty()) {
        put_output(out, r.output);
    }
    if (r.error) {
        out["error"] = json::object{{"code", r.error->code}, {"message", r.error->message}};
    }
    return out;
}

}  // namespace

void put_output(json::object& into, const std::string& output) {
    if (valid_utf8(output)) {
        into["output"] = output;
    } else {
        into["output_base64"] = base64_encode(output);
    }
}

json::object job_to_json(const job_record& job, bool with_results) {
    json::object out{{"job", job.id},
                     {"kind", job.kind},
                     {"action", job.action},
                     {"state", job.done ? "done" : "running"},
                     {"started_by", job.started_by},
                     {"started_at", format_rfc3339(job.started_at)},
                     {"targets", job.targets},
                     {"done", job.finished_targets},
                     {"summary", summary_to_json(job.summary)}};
    if (job.done) {
        out["finished_at"] = format_rfc3339(job.finished_at);
        out["duration_ms"] = job.duration.count();
    }
    if (job.outputs_dropped) {
        out["outputs_dropped"] = true;  // the history's output budget was reached
    }
    if (!with_results) {
        return out;
    }
    out["args"] = job.args;
    if (!job.selector.is_null()) {
        out["selector"] = job.selector;
    }
    json::array results;
    results.reserve(job.results.size());
    for (const auto& r : job.results) {
        results.push_back(result_to_json(r));
    }
    out["results"] = std::move(results);
    json::array skipped;
    for (const auto& s : job.skipped) {
        skipped.push_back(
            json::object{{"master", s.master}, {"name", s.name}, {"reason", s.reason}});
    }
    out["skipped"] = std::move(skipped);
    return out;
}

http_response jobs_route(const route_context& ctx) {
    if (ctx.request.method() != http::verb::get) {
        return ctx.method_not_allowed("GET");
    }
    const std::string_view rest = ctx.path.substr(std::string_view("/v1/jobs").size());
    if (rest.empty() || rest == "/") {
        std::size_t limit = default_list_limit;
        if (auto text = query_param(ctx.request.target(), "limit")) {
            const char* end = text->data() + text->size();
            auto [ptr, ec] = std::from_chars(text->data(), end, limit);
            if (ec != std::errc{} || ptr != end || limit == 0) {
                return ctx.fail(http::status::bad_request, "bad-request",
                                "\"limit\" must be a positive whole number");
            }
        }
        json::array jobs;
        for (const auto& job : ctx.state.jobs().recent(limit)) {
            jobs.push_back(job_to_json(job, false));
        }
        return ctx.json(http::status::ok, json::object{{"jobs", std::move(jobs)}});
    }
    const std::string id(rest.substr(1));
    // ?results=false: the progress without the per-master results, cheap enough to poll.
    const bool with_results = query_param(ctx.request.target(), "results") != "false";
    auto job = ctx.state.jobs().find(id, with_results);
    if (!job) {
        return ctx.fail(http::status::not_found, "job-not-found",
                        "no job " + id +
                            " (finished jobs are kept up to jobs.history; "
                            "GET /v1/jobs lists them)");
    }
    return ctx.json(http::status::ok, job_to_json(*job, with_results));
}

}  // namespace regcenter::admin
