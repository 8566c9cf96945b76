// How a fan-out job's results are shown: by `run` when it finishes and by `jobs ID`.
#pragma once

#include <cstddef>
#include <string>

#include <boost/json/object.hpp>

namespace regcenter::ctl {

/// The per-master table of a job ({"results":[…]}): MASTER, NAME, STATUS, DURATION, OUTPUT.
std::string results_table(const boost::json::object& job);

/// One line per skipped master ({"skipped":[{"master","name","reason"}]}), "skipped ID (NAME):
/// REASON", for stderr; empty when none was skipped.
std::string skipped_lines(const boost::json::object& job);

struct result_counts {
    std::size_t ok = 0;
    std::size_t failed = 0;        ///< error, timeout, disconnected, anything but ok and pending
    std::size_t pending = 0;       ///< still running (jobs in progress)
    std::string failed_by_status;  ///< "error: 1, timeout: 2", for the summary line
};

result_counts count_results(const boost::json::object& job);

}  // namespace regcenter::ctl
