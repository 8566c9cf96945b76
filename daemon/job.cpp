#include "job.hpp"

#include <array>
#include <utility>

namespace regcenter {
namespace {

constexpr std::array<std::pair<job_status, std::string_view>, 6> status_words{{
    {job_status::pending, "pending"},
    {job_status::ok, "ok"},
    {job_status::error, "error"},
    {job_status::timeout, "timeout"},
    {job_status::disconnected, "disconnected"},
    {job_status::not_found, "not-found"},
}};

}  // namespace

std::string_view to_string(job_status status) {
    for (const auto& [s, word] : status_words) {
        if (s == status) {
            return word;
        }
    }
    return "error";
}

job_status job_status_from(std::string_view word) {
    for (const auto& [s, w] : status_words) {
        if (w == word) {
            return s;
        }
    }
    return job_status::error;
}

job_record job_brief(const job_record& job) {
    job_record out;
    out.id = job.id;
    out.kind = job.kind;
    out.action = job.action;
    out.started_by = job.started_by;
    out.started_at = job.started_at;
    out.finished_at = job.finished_at;
    out.duration = job.duration;
    out.done = job.done;
    out.outputs_dropped = job.outputs_dropped;
    out.targets = job.targets;
    out.finished_targets = job.finished_targets;
    out.summary = job.summary;
    return out;
}

}  // namespace regcenter
