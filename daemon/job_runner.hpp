// Runs actions as jobs: one master (a call) or every master a selector matches (a fan-out),
// recording each master's result in the center's job_store as it arrives.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/json/value.hpp>

#include "action_call.hpp"
#include "job.hpp"
#include "master_selector.hpp"

namespace regcenter {

class center_state;
class master_session;

struct fan_out_request {
    std::string action;
    boost::json::value args;
    std::string input;  ///< sent to every target before the center ends its side
    master_selector selector;
    /// Each target's deadline; a slow or dead master is reported "timeout" at this point and
    /// never holds up the others.
    std::chrono::milliseconds timeout{30000};
    /// Output kept per master; more fails that master's call with "output-too-large".
    std::size_t max_output = 1024 * 1024;
    std::string started_by = "api";
    job_request admin_request;  ///< the admin request that started it, if any (audit log)
};

/// Output a whole fan-out keeps in memory; a master whose output would pass it gets
/// "output-too-large" (the stream endpoint has no such limit).
inline constexpr std::size_t max_fan_out_output = 256u << 20;

/// With selector.service: the ids of the masters hosting a matching instance (from the
/// service index). Without: nullopt, meaning no restriction.
std::optional<std::unordered_set<std::string>> hosts(center_state& state,
                                                     const master_selector& selector);

/// Whom a fan-out would target. Targets: every connected master the selector matches that
/// offers the action, plus every id in selector.ids that names no connected master (it is then
/// reported "disconnected", so every requested id gets a status). Skipped: matching masters
/// that don't offer the action (reason "unknown-action"), and masters named in selector.ids
/// that the name or labels rule out ("selector-mismatch"). In connection order.
struct fan_out_plan {
    std::vector<job_result> targets;  ///< status "pending"
    std::vector<job_skip> skipped;
    /// Per target, its session as found while planning (null for an id that named none), so
    /// the calls need not look each one up again.
    std::vector<std::shared_ptr<master_session>> sessions;
};
fan_out_plan plan_fan_out(center_state& state, std::string_view action,
                          const master_selector& selector);

/// Starts a fan-out job and returns its id at once. `done`, if set, runs once on a center
/// thread with the finished job (every target has exactly one status).
std::string start_fan_out(center_state& state, fan_out_request request,
                          std::function<void(job_record)> done = {});

/// Runs a call on one master as a job; `done` gets the job id and the call's result.
std::string start_call_job(center_state& state, call_request request, std::string started_by,
                           std::function<void(const std::string& job, call_result)> done,
                           job_request admin_request = {});

/// A call's result as a job outcome.
job_result to_job_result(call_result r);

}  // namespace regcenter
