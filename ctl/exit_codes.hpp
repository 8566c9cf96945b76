// regcenterctl's exit codes and the one exception type commands fail with.
#pragma once

#include <stdexcept>
#include <string>

namespace regcenter::ctl {

/// Exit codes, documented in every --help and in docs/regcenterctl.md; scripts rely on them.
enum exit_code : int {
    exit_ok = 0,
    /// An operation failed: a target of `run` failed, a master or job was not found, the
    /// daemon refused a request, a stream ended with an error.
    exit_failed = 1,
    /// The command line is wrong, or no admin address/token can be worked out from it, the
    /// environment and the daemon's config file.
    exit_usage = 2,
    /// The daemon can't be reached, or it rejected the admin token.
    exit_unreachable = 3,
};

/// A failure to report: what() is the whole message for the user (without the
/// "regcenterctl: " prefix); code() is the exit status.
class ctl_error : public std::runtime_error {
  public:
    ctl_error(exit_code code, const std::string& message)
        : std::runtime_error(message), code_(code) {}

    exit_code code() const { return code_; }

  private:
    exit_code code_;
};

/// A usage error: the message plus where to look for the right form.
inline ctl_error usage_error(const std::string& message, const std::string& command = {}) {
    const std::string help =
        command.empty() ? "regcenterctl --help" : "regcenterctl " + command + " --help";
    return ctl_error(exit_usage, message + " (" + help + " shows the usage)");
}

}  // namespace regcenter::ctl
