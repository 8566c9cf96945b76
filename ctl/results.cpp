// Results tables and counts for fan-out jobs.
#include "results.hpp"

#include <map>

#include <boost/json.hpp>

#include "display.hpp"
#include "json_fields.hpp"
#include "table.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

std::string results_table(const json::object& job) {
    table t({"MASTER", "NAME", "STATUS", "DURATION", "OUTPUT"});
    for (const auto& entry : array_field(job, "results")) {
        const json::object& r = as_object(entry);
        const std::string status = string_field(r, "status");
        const json::value* duration = r.if_contains("duration_ms");
        t.add_row({printable(string_field(r, "master")), printable(string_field(r, "name")),
                   printable(status),
                   status == "pending" || duration == nullptr
                       ? "-"
                       : format_duration_ms(int_field(r, "duration_ms")),
                   output_cell(r)});
    }
    return t.render();
}

std::string skipped_lines(const json::object& job) {
    std::string out;
    for (const auto& entry : array_field(job, "skipped")) {
        const json::object& s = as_object(entry);
        out += "skipped " + printable(string_field(s, "master"));
        const std::string name = string_field(s, "name");
        if (!name.empty()) {
            out += " (" + printable(name) + ")";
        }
        const std::string reason = string_field(s, "reason");
        out += ": " + (reason.empty() ? std::string("no reason given") : printable(reason)) + "\n";
    }
    return out;
}

result_counts count_results(const json::object& job) {
    result_counts counts;
    std::map<std::string, std::size_t> failures;
    for (const auto& entry : array_field(job, "results")) {
        const std::string status = string_field(as_object(entry), "status");
        if (status == "ok") {
            ++counts.ok;
        } else if (status == "pending") {
            ++counts.pending;
        } else {
            ++counts.failed;
            ++failures[status.empty() ? "unknown" : status];
        }
    }
    for (const auto& [status, n] : failures) {
        if (!counts.failed_by_status.empty()) {
            counts.failed_by_status += ", ";
        }
        counts.failed_by_status += status + ": " + std::to_string(n);
    }
    return counts;
}

}  // namespace regcenter::ctl
