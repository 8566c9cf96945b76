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

}  // namespace regcenter
