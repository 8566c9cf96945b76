// Splitting regcenterctl's arguments into a command, its positional arguments and its flags.
//
// Flags are GNU style: --name VALUE, --name=VALUE, switches without a value, -h and -v as short
// forms of --help and --verbose, and -- ending the flags. Connection flags (--addr and so on)
// may come before or after the command; a command's own flags come after it.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace regcenter::ctl {

struct flag_spec {
    std::string name;        ///< without the dashes: "addr"
    std::string value_name;  ///< for --help, e.g. "HOST:PORT"; empty for a switch
    std::string help;        ///< one line for --help
    bool repeatable = false;
    char short_name = 0;  ///< 'h' for -h; 0 for none

    bool takes_value() const { return !value_name.empty(); }
};

class parsed_args {
  public:
    /// The command name; empty when none was given.
    std::string command;

    /// Arguments after the command that are not flags or flag values.
    std::vector<std::string> positionals;

    bool has(std::string_view flag) const { return flags_.find(flag) != flags_.end(); }

    /// The value of a flag given once; nullopt when absent.
    std::optional<std::string> value(std::string_view flag) const;

    /// Every value of a repeatable flag, in order; empty when absent.
    std::vector<std::string> values(std::string_view flag) const;

    void add(const std::string& flag, std::string value) {
        flags_[flag].push_back(std::move(value));
    }

  private:
    std::map<std::string, std::vector<std::string>, std::less<>> flags_;
};

/// Looks up the flags of a command (its own, not the global ones); nullptr for an unknown
/// command.
using command_flags_lookup = const std::vector<flag_spec>* (*)(std::string_view command);

/// Parses `args` (without the program name). `global` flags are valid anywhere; after the
/// command, `lookup(command)` adds the command's own. Throws ctl_error (exit_usage) for an
/// unknown command or flag, a missing or unexpected value, or a non-repeatable flag given
/// twice. An unknown command is not an error when --help was given, so that --help always
/// answers.
parsed_args parse_command_line(const std::vector<std::string>& args,
                               std::span<const flag_spec> global, command_flags_lookup lookup);

}  // namespace regcenter::ctl
