// regcenterctl's entry point as a function: parse, answer --help, run the command, map failures
// to messages and exit codes. main() only forwards to it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "options.hpp"

namespace regcenter::ctl {

/// Runs regcenterctl with `args` (without the program name) and returns the exit status.
/// Messages go to `err` prefixed with "regcenterctl: "; results go to `out`.
int run_ctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            resolve_environment env, bool progress_terminal);

/// The text of `regcenterctl --help`.
std::string overview_help();

/// The text of `regcenterctl COMMAND --help`.
std::string command_help(std::string_view command);

}  // namespace regcenter::ctl
