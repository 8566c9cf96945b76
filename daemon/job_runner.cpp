// A fan-out is one call per target, all started at once; each has its own deadline, so the job
// is complete at most one timeout after it started, whatever the masters do.
#include "job_runner.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <memory>

#include "center_state.hpp"
#include "logging.hpp"
#include "master_session.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace {

void log_finished(const job_record& job) {
    logging::info("job finished", {{"JOB_ID", job.id},
                                   {"ACTION", job.action},
                                   {"EVENT", "job-finished"},
                                   {"TARGETS", std::to_string(job.targets)},
                                   {"OK", std::to_string(job.summary.ok)},
                                   {"ERROR", std::to_string(job.summary.error)},
                                   {"TIMEOUT", std::to_string(job.summary.timeout)},
                                   {"DISCONNECTED", std::to_string(job.summary.disconnected)},
                                   {"DURATION_MS", std::to_string(job.duration.count())}});
}

}  // namespace

std::optional<std::unordered_set<std::string>> hosts(center_state& state,
                                                     const master_selector& selector) {
    if (!selector.service) {
        return std::nullopt;
    }
    std::unordered_set<std::string> ids;
    instance_filter filter;
    filter.metadata = selector.meta;
    for (const auto& instance : state.services().instances(*selector.service, filter)) {
        ids.insert(instance.master);
    }
    return ids;
}

job_result to_job_result(call_result r) {
    job_result out;
    out.status = job_status_from(r.status);
    out.output_bytes = r.output.size();
    out.output = std::move(r.output);
    if (!r.error_code.empty()) {
        out.error = std::make_shared<const job_error>(
            job_error{std::move(r.error_code), std::move(r.error_message)});
    }
    out.duration = r.duration;
    return out;
}

fan_out_plan plan_fan_out(center_state& state, std::string_view action,
                          const master_selector& selector) {
    fan_out_plan plan;
    std::vector<std::string> seen_ids;
    const auto named = [&](const std::string& id) {
        return std::find(selector.ids.begin(), selector.ids.end(), id) != selector.ids.end();
    };
    const auto hosting = hosts(state, selector);
    auto masters = state.masters_in_order();
    plan.targets.reserve(masters.size() + selector.ids.size());
    plan.sessions.reserve(plan.targets.capacity());
    for (auto& session : masters) {
        const std::string& id = session->id();
        const std::string& name = session->name();
        if (!selector.matches(id, name, session->labels()) || (hosting && !hosting->contains(id))) {
            if (named(id)) {
                // Asked for by id but ruled out by name or labels: said, not silently dropped.
                plan.skipped.push_back({id, name, "selector-mismatch"});
                seen_ids.push_back(id);
            }
            continue;
        }
        if (!selector.ids.empty()) {
            seen_ids.push_back(id);
        }
        if (session->offers(action)) {
            job_result target;
            target.master = id;
            target.name = name;
            plan.targets.push_back(std::move(target));
            plan.sessions.push_back(std::move(session));
        } else {
            plan.skipped.push_back(
                {id, name, std::string(proto::stream_error_code::unknown_action)});
        }
    }
    for (const std::string& id : selector.ids) {
        if (std::find(seen_ids.begin(), seen_ids.end(), id) == seen_ids.end() &&
            !state.sessions().find_master(id)) {
            job_result target;
            target.master = id;
            plan.targets.push_back(std::move(target));
            plan.sessions.emplace_back();
            seen_ids.push_back(id);  // an id listed twice is one target
        }
    }
    // The targets become the job's results, which the history keeps: no spare capacity.
    plan.targets.shrink_to_fit();
    return plan;
}

std::string start_fan_out(center_state& state, fan_out_request request,
                          std::function<void(job_record)> done) {
    fan_out_plan plan = plan_fan_out(state, request.action, request.selector);
    std::vector<std::string> targets;
    targets.reserve(plan.targets.size());
    for (const auto& t : plan.targets) {
        targets.push_back(t.master);
    }
    std::vector<std::shared_ptr<master_session>> sessions = std::move(plan.sessions);
    assert(sessions.size() == targets.size());
    job_record record;
    record.kind = "fan-out";
    record.action = request.action;
    record.args = request.args;
    record.selector = to_json(request.selector);
    record.started_by = request.started_by;
    record.admin_request = request.admin_request;
    record.results = std::move(plan.targets);
    record.skipped = std::move(plan.skipped);
    const std::string id = state.jobs().start(std::move(record));
    logging::info("job started", {{"JOB_ID", id},
                                  {"ACTION", request.action},
                                  {"EVENT", "job-started"},
                                  {"KIND", "fan-out"},
                                  {"TARGETS", std::to_string(targets.size())},
                                  {"STARTED_BY", request.started_by}});

    struct context {
        center_state& state;
        std::string id;
        std::function<void(job_record)> done;
        std::atomic<std::size_t> output_total{0};

        // Counts `bytes` against the job's output limit if they fit; rejected bytes don't count.
        bool reserve_output(std::size_t bytes) {
            std::size_t total = output_total.load();
            do {
                if (bytes > max_fan_out_output - total) {
                    return false;
                }
            } while (!output_total.compare_exchange_weak(total, total + bytes));
            return true;
        }
    };
    auto ctx = std::make_shared<context>(state, id, std::move(done));
    auto on_finished = [ctx](job_record job) {
        log_finished(job);
        if (ctx->done) {
            ctx->done(std::move(job));
        }
    };
    if (targets.empty()) {
        if (auto job = state.jobs().finish(id)) {
            on_finished(std::move(*job));
        }
        return id;
    }
    // One copy of the input for every target.
    const auto input = std::make_shared<const std::string>(std::move(request.input));
    for (std::size_t i = 0; i < targets.size(); ++i) {
        call_request call;
        call.master_id = targets[i];
        call.action = request.action;
        call.args = request.args;
        call.timeout = request.timeout;
        call.max_output = request.max_output;
        start_call(
            std::move(sessions[i]), std::move(call), input, [ctx, i, on_finished](call_result r) {
                if (r.status == "not-found") {
                    r.status = "disconnected";  // a fan-out reports the four statuses only
                }
                if (!ctx->reserve_output(r.output.size())) {
                    r.status = "error";
                    r.error_code = "output-too-large";
                    r.error_message = "the job's outputs passed " +
                                      std::to_string(max_fan_out_output) +
                                      " bytes; use the stream endpoint for large outputs";
                    r.output.clear();
                }
                job_record finished;
                if (ctx->state.jobs().record(ctx->id, i, to_job_result(std::move(r)), &finished)) {
                    on_finished(std::move(finished));
                }
            });
    }
    return id;
}

std::string start_call_job(center_state& state, call_request request, std::string started_by,
                           std::function<void(const std::string& job, call_result)> done,
                           job_request admin_request) {
    job_record record;
    record.kind = "call";
    record.action = request.action;
    record.args = request.args;
    record.started_by = std::move(started_by);
    record.admin_request = std::move(admin_request);
    job_result target;
    target.master = request.master_id;
    if (auto session = state.sessions().find_master(request.master_id)) {
        target.name = session->info().name;
    }
    record.results.push_back(std::move(target));
    const std::string id = state.jobs().start(std::move(record));
    logging::info("action started",
                  {{"JOB_ID", id}, {"SESSION_ID", request.master_id}, {"ACTION", request.action}});
    start_call(state, std::move(request), [&state, id, done = std::move(done)](call_result r) {
        state.jobs().record(id, 0, to_job_result(r));
        logging::info("action finished", {{"JOB_ID", id},
                                          {"EVENT", "job-finished"},
                                          {"STATUS", r.status},
                                          {"DURATION_MS", std::to_string(r.duration.count())}});
        done(id, std::move(r));
    });
    return id;
}

}  // namespace regcenter
