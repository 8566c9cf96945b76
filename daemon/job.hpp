// A job: one run of an action on one or many masters, with a result per master. What
// GET /v1/jobs shows, and what a fan-out answers with.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace regcenter {

/// One targeted master's part of a job.
struct job_result {
    std::string master;  ///< session id
    std::string name;    ///< master name ("" for an id that named no connected master)
    /// "pending" until it finishes; then "ok", "error", "timeout" or "disconnected" (and, for
    /// single-master calls only, "not-found").
    std::string status = "pending";
    std::string output;
    std::size_t output_bytes = 0;  ///< stays when the output itself is dropped from history
    std::string error_code;
    std::string error_message;
    std::chrono::milliseconds duration{0};
};

/// A master the selector matched that was not targeted, and why.
struct job_skip {
    std::string master;
    std::string name;
    std::string reason;
};

struct job_summary {
    std::size_t ok = 0;
    std::size_t error = 0;
    std::size_t timeout = 0;
    std::size_t disconnected = 0;
};

/// The admin request that started a job, for the audit log (docs/audit.md).
struct job_request {
    std::string method;  ///< "POST", or "GET" for a stream's WebSocket upgrade
    std::string path;    ///< without the query
};

struct job_record {
    std::string id;
    std::string kind;  ///< "call" (one master), "fan-out" or "stream"
    std::string action;
    boost::json::value args;
    boost::json::value selector;  ///< fan-outs only
    /// Who started it: "admin:<fingerprint of the admin token>", or "api" in-process.
    std::string started_by;
    job_request admin_request;  ///< empty for jobs started in-process
    std::chrono::system_clock::time_point started_at;
    std::chrono::system_clock::time_point finished_at;  ///< when done
    std::chrono::milliseconds duration{0};              ///< when done
    bool done = false;
    bool outputs_dropped = false;  ///< history kept the statuses but not the outputs
    std::size_t targets = 0;       ///< results.size(), also in the brief copies without results
    std::size_t finished_targets = 0;
    std::vector<job_result> results;
    std::vector<job_skip> skipped;
    job_summary summary;
};

}  // namespace regcenter
