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
#include "regcenter/proto/json_text.hpp"

namespace regcenter::admin {
namespace json = boost::json;
using proto::append_json_key;
using proto::append_json_member;
using proto::append_json_number;
using proto::append_json_string;
namespace {

constexpr std::size_t default_list_limit = 100;

json::object summary_to_json(const job_summary& s) {
    return {
        {"ok", s.ok}, {"error", s.error}, {"timeout", s.timeout}, {"disconnected", s.disconnected}};
}

void append_result(std::string& out, const job_result& r) {
    out += '{';
    append_json_member(out, "master", r.master);
    append_json_member(out, "name", r.name);
    append_json_member(out, "status", to_string(r.status));
    append_json_key(out, "duration_ms");
    append_json_number(out, std::int64_t{r.duration.count()});
    append_json_key(out, "output_bytes");
    append_json_number(out, std::uint64_t{r.output_bytes});
    if (!r.output.empty()) {
        // As put_output: UTF-8 text as is, anything else in base64.
        if (valid_utf8(r.output)) {
            append_json_member(out, "output", r.output);
        } else {
            append_json_member(out, "output_base64", base64_encode(r.output));
        }
    }
    if (r.error) {
        append_json_key(out, "error");
        out += '{';
        append_json_member(out, "code", r.error->code);
        append_json_member(out, "message", r.error->message);
        out += '}';
    }
    out += '}';
}

}  // namespace

void put_output(json::object& into, const std::string& output) {
    if (valid_utf8(output)) {
        into["output"] = output;
    } else {
        into["output_base64"] = base64_encode(output);
    }
}

json::object job_to_json(const job_record& job) {
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
    return out;
}

std::string job_to_json_text(const job_record& job) {
    json::object head = job_to_json(job);
    head["args"] = job.args;
    if (!job.selector.is_null()) {
        head["selector"] = job.selector;
    }
    std::string out = json::serialize(head);
    out.pop_back();  // the closing '}': the results and skipped masters follow
    constexpr std::size_t typical_result = 160;
    out.reserve(out.size() + (job.results.size() + job.skipped.size()) * typical_result);
    append_json_key(out, "results");
    out += '[';
    for (const auto& r : job.results) {
        if (out.back() != '[') {
            out += ',';
        }
        append_result(out, r);
    }
    out += ']';
    append_json_key(out, "skipped");
    out += '[';
    for (const auto& s : job.skipped) {
        if (out.back() != '[') {
            out += ',';
        }
        out += '{';
        append_json_member(out, "master", s.master);
        append_json_member(out, "name", s.name);
        append_json_member(out, "reason", s.reason);
        out += '}';
    }
    out += "]}";
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
            jobs.push_back(job_to_json(job));
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
    if (!with_results) {
        return ctx.json(http::status::ok, job_to_json(*job));
    }
    return ctx.json_text(http::status::ok, job_to_json_text(*job));
}

}  // namespace regcenter::admin
