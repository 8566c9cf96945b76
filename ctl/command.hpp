// What every regcenterctl command is: its name, help, flags and the function that runs it, and
// the context it runs in.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "admin_client.hpp"
#include "command_line.hpp"
#include "options.hpp"

namespace regcenter::ctl {

/// What a command runs with. The connection is resolved on first use, so that --help and
/// usage errors never need a token or a config file.
class command_context {
  public:
    command_context(const parsed_args& args, resolve_environment env, std::ostream& out,
                    std::ostream& err, bool progress_terminal);

    const parsed_args& args;
    std::ostream& out;
    std::ostream& err;

    /// stderr is a terminal, so progress lines may be drawn on it.
    bool progress_terminal;

    bool verbose() const { return args.has("verbose"); }

    /// The admin address and token (see options.hpp); reported on stderr with --verbose.
    const connection_settings& settings();

    /// A client for the admin API, created on first use.
    admin_client& client();

    /// GETs `target` (throwing the API's error unless it answers 200). With --json prints the
    /// answer as it came and returns nullopt; otherwise returns it parsed, for a table.
    std::optional<boost::json::value> get_for_display(const std::string& target);

  private:
    resolve_environment env_;
    std::unique_ptr<connection_settings> settings_;
    std::unique_ptr<admin_client> client_;
};

struct command {
    std::string name;
    std::string usage;    ///< after "regcenterctl ": "run ACTION (--master ID | --all …) …"
    std::string summary;  ///< one line for the overview
    std::string details;  ///< paragraphs for `regcenterctl NAME --help`
    std::vector<flag_spec> flags;
    std::string arguments;  ///< the positional arguments' names for messages: "ACTION", "ID"
    std::size_t min_positionals = 0;
    std::size_t max_positionals = 0;
    int (*run)(command_context& ctx) = nullptr;
};

/// Every command, in the order --help lists them.
const std::vector<command>& all_commands();

/// The command called `name`; nullptr if there is none.
const command* find_command(std::string_view name);

/// The flags every command accepts (--addr, --token, …, --verbose, --help).
const std::vector<flag_spec>& global_flags();

// The commands, one file per group.
command masters_command();
command master_command();
command kick_command();
command run_command();
command stream_command();
command jobs_command();
command tokens_command();
command services_command();
command service_command();
command watch_command();

}  // namespace regcenter::ctl
