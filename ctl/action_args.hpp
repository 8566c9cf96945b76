// The command-line parts of running an action that `run` and `stream` share: --args as JSON.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace regcenter::ctl {

/// Parses the value of --args as JSON; throws a usage error for `command` that shows where the
/// JSON broke and reminds that a string needs its quotes ('"hi"', not hi).
boost::json::value parse_args_flag(const std::string& text, const std::string& command);

}  // namespace regcenter::ctl
