// The daemon's configuration: command-line flags over a YAML or INI file over built-in defaults.
//
// Every setting has one dotted key, used the same way everywhere:
//
//     YAML   heartbeat: {interval: 20s}     (a flat "heartbeat.interval: 20s" works too)
//     INI    [heartbeat]                    (or "heartbeat.interval = 20s" before any section)
//            interval = 20s
//     flag   --heartbeat.interval=20s       (or --heartbeat.interval 20s)
//
// Keys: listen, admin.listen, admin.token, auth.token (a list), auth.timeout, auth.max_failures,
// heartbeat.interval, heartbeat.timeout, limits.max_message, log.level, log.sink, audit.file and
// more; config_help() describes each with its default. Precedence, per key: a key given on the
// command line replaces the file's value entirely, lists included (--auth.token X drops every
// auth.token of the file); repeating a list flag (--auth.token A --auth.token B) or a list key
// within the file accumulates; repeating any other key within one source is an error. Every value
// in every source is validated, including file values a flag overrides, so a broken file is
// reported.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "center_options.hpp"

namespace regcenter {

/// Everything the daemon is configured with.
struct daemon_config {
    /// The center's settings (listen addresses, tokens, timeouts, limits).
    center_options center;

    /// Minimum log level: "debug", "info", "notice", "warning" or "error".
    std::string log_level = "info";

    /// Where the log goes: "auto" (the journal when stderr is connected to it, see
    /// logging::choose_sink), "console" or "journal".
    std::string log_sink = "auto";

    /// The journal's native-protocol socket; only tests change it.
    std::string journal_socket = "/run/systemd/journal/socket";

    /// The --config path exactly as given (relative paths are relative to the working directory
    /// at each load); empty when no file was named.
    std::string config_file;
};

/// What the command line asks the daemon to do.
enum class config_action {
    run,           ///< run the daemon with the loaded configuration
    check_config,  ///< --check-config: the configuration is valid; exit 0 (invalid ones throw)
    help,          ///< --help / -h: print config_help() and exit 0
    version,       ///< --version: print the version and exit 0
};

/// A configuration problem. what() is the whole message for the user, starting with
/// "config error: " and naming where and which key, e.g.
///   config error: /etc/regcenterd.yaml:4: heartbeat.interval: invalid duration "abc" (...)
///   config error: /etc/regcenterd.ini: unknown key "heartbeat.intervall"
///   config error: --auth.max_failures: invalid number "x" (...)
/// The daemon prints it and exits with status 2.
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct loaded_config {
    config_action action = config_action::run;

    /// The configuration for run and check_config; the defaults for help and version.
    daemon_config config;
};

/// Parses `args` (argv[1..argc), i.e. without the program name) and the file named by
/// --config FILE (YAML if it ends in .yaml/.yml, INI if .ini/.conf), and returns the merged,
/// validated configuration. Throws config_error on any problem.
///
/// --help and --version are answered as soon as the command line parses: no value is
/// validated and no file is read. Otherwise the result depends only on `args` and the file's
/// contents, so a SIGHUP reload calls this again with the same args.
loaded_config load_config(const std::vector<std::string>& args);

/// The text for --help: usage, the action flags, and every key with its default and a
/// one-line description.
std::string config_help();

}  // namespace regcenter
