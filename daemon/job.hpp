// A job: one run of an action on one or many masters, with a result per master. What
// GET /v1/jobs shows, and what a fan-out answers with.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace regcenter {

/// How one target's part of a job ended; `pending` until it does. `not_found` is for
/// single-master calls only: a fan-out reports a vanished master as `disconnected`.
enum class job_status : std::uint8_t { pending, ok, error, timeout, disconnected, not_found };

/// The status as the admin API and the audit log spell it: "pending", "ok", "error",
/// "timeout", "disconnected", "not-found".
std::string_view to_string(job_status status);

/// The inverse of to_string; any other word is `error`.
job_status job_status_from(std::string_view word);

/// Why a target did not finish ok: a stream-error code (proto-spec/actions.md) and a message.
struct job_error {
    std::string code;
    std::string message;
};

/// One targeted master's part of a job. The history keeps up to 100,000 of these, so the
/// common case (ok, small output) stays small: the status is a byte and the error details,
/// shared and immutable, are only there for the targets that failed.
struct job_result {
    std::string master;  ///< session id
    std::string name;    ///< master name ("" for an id that named no connected master)
    std::string output;
    std::shared_ptr<const job_error> error;  ///< null when the target finished ok or is pending
    std::size_t output_bytes = 0;  ///< stays when the output itself is dropped from history
    std::chrono::milliseconds duration{0};
    job_status status = job_status::pending;
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

/// The job without its results, args, selector and skips: what progress polling, job lists
/// and job events need.
job_record job_brief(const job_record& job);

}  // namespace regcenter
