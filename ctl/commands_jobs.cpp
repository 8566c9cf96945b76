// jobs [ID]: the daemon's recent action runs, or one of them with its per-master results.
#include <charconv>

#include <boost/json.hpp>

#include "command.hpp"
#include "display.hpp"
#include "json_fields.hpp"
#include "results.hpp"
#include "table.hpp"
#include "url.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

std::string summary_text(const json::object& job) {
    const json::object& summary = object_field(job, "summary");
    const std::int64_t ok = int_field(summary, "ok");
    const std::int64_t failed = int_field(summary, "error") + int_field(summary, "timeout") +
                                int_field(summary, "disconnected");
    return std::to_string(ok) + " ok, " + std::to_string(failed) + " failed";
}

std::string duration_text(const json::object& job) {
    return job.contains("duration_ms") ? format_duration_ms(int_field(job, "duration_ms")) : "-";
}

int list(command_context& ctx) {
    std::string target = "/v1/jobs";
    if (const auto limit = ctx.args.value("limit")) {
        unsigned n = 0;
        const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
        if (limit->empty() || ec != std::errc{} || end != limit->data() + limit->size() || n == 0) {
            throw usage_error("--limit: expected a positive number, got \"" + *limit + "\"",
                              "jobs");
        }
        target += "?limit=" + std::to_string(n);
    }
    const auto answer = ctx.get_for_display(target);
    if (!answer) {
        return exit_ok;  // --json printed it
    }
    const json::value& body = *answer;
    const json::array& jobs = array_field(as_object(body), "jobs");
    if (jobs.empty()) {
        ctx.err << "regcenterctl: no job has run since regcenterd started\n";
        return exit_ok;
    }
    table t({"JOB", "KIND", "ACTION", "STATE", "DONE", "RESULTS", "STARTED", "DURATION"});
    for (const auto& entry : jobs) {
        const json::object& j = as_object(entry);
        t.add_row(
            {printable(string_field(j, "job")), printable(string_field(j, "kind")),
             printable(string_field(j, "action")), printable(string_field(j, "state")),
             std::to_string(int_field(j, "done")) + "/" + std::to_string(int_field(j, "targets")),
             summary_text(j), age_of(string_field(j, "started_at")), duration_text(j)});
    }
    ctx.out << t.render();
    return exit_ok;
}

int show(command_context& ctx, const std::string& id) {
    const std::string target = "/v1/jobs/" + encode_path_segment(id);
    const auto answer = ctx.get_for_display(target);
    if (!answer) {
        return exit_ok;  // --json printed it
    }
    const json::value& body = *answer;
    const json::object& j = as_object(body);
    table details({"", ""});
    const std::string started = string_field(j, "started_at");
    const std::string finished = string_field(j, "finished_at");
    details.add_row({"JOB:", printable(string_field(j, "job"))});
    details.add_row({"ACTION:", printable(string_field(j, "action"))});
    details.add_row({"STATE:", printable(string_field(j, "state"))});
    details.add_row({"STARTED BY:", printable(string_field(j, "started_by"))});
    details.add_row({"STARTED:", printable(started) + " (" + age_of(started) + ")"});
    details.add_row({"FINISHED:", finished.empty() ? "-" : printable(finished)});
    details.add_row({"DURATION:", duration_text(j)});
    details.add_row({"TARGETS:", std::to_string(int_field(j, "done")) + "/" +
                                     std::to_string(int_field(j, "targets")) + " done, " +
                                     summary_text(j)});
    const std::string rendered = details.render();
    ctx.out << rendered.substr(rendered.find('\n') + 1) << "\n";
    if (!array_field(j, "results").empty()) {
        ctx.out << results_table(j);
    }
    ctx.err << skipped_lines(j);
    return exit_ok;
}

int jobs(command_context& ctx) {
    if (ctx.args.positionals.empty()) {
        return list(ctx);
    }
    if (ctx.args.has("limit")) {
        throw usage_error("--limit applies to the list, not to one job", "jobs");
    }
    return show(ctx, ctx.args.positionals.front());
}

}  // namespace

command jobs_command() {
    return {"jobs",
            "jobs [ID] [--limit N] [--json]",
            "list recent action runs, or show one with its per-master results",
            "Without ID, lists the daemon's recent jobs, newest first: action calls and fan-outs\n"
            "(`regcenterctl run`), running or done, with how many targets are done and how\n"
            "many succeeded. With ID, shows that job and one row per master, as `run` prints\n"
            "them (MASTER, NAME, STATUS, DURATION, OUTPUT); a running job shows its unfinished\n"
            "targets as pending.\n"
            "With --json, prints the API's answer as is. Exits 1 if there is no job ID.\n",
            {
                {"limit", "N", "list at most N jobs"},
                {"json", "", "print the API's JSON answer as is"},
            },
            "ID",
            0,
            1,
            jobs};
}

}  // namespace regcenter::ctl
