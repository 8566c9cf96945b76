// Where regcenterctl finds the admin API and its token.
//
// Each of the two is taken from the first source that has it:
//   address  --addr, REGCENTER_ADDR, admin.listen of the daemon's config file, 127.0.0.1:8011
//   token    --token or --token-file, REGCENTER_TOKEN, admin.token of the daemon's config file
// The config file is --config, else REGCENTER_CONFIG, else /etc/regcenter/regcenterd.yaml when
// it exists; it is read with the daemon's own loader, and only when a flag or variable leaves
// something open, because the file usually holds secrets only root may read.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace regcenter::ctl {

/// The connection flags as given on the command line.
struct connection_flags {
    std::optional<std::string> addr;
    std::optional<std::string> token;
    std::optional<std::string> token_file;
    std::optional<std::string> config;
};

/// What resolve_connection() reads besides the flags; tests substitute both.
struct resolve_environment {
    /// Looks up an environment variable; nullopt when unset.
    std::function<std::optional<std::string>(std::string_view name)> getenv;
    /// The config file used when neither --config nor REGCENTER_CONFIG names one.
    std::string default_config = "/etc/regcenter/regcenterd.yaml";

    /// The process's real environment and the default path.
    static resolve_environment system();
};

/// The admin API to talk to, and where each part came from (for --verbose and error messages).
struct connection_settings {
    std::string host;     ///< to resolve and connect to: "127.0.0.1", "::1", "admin.example"
    std::string port;     ///< "8011"
    std::string address;  ///< for people: "127.0.0.1:8011", "[::1]:8011"
    std::string
        address_source;  ///< "--addr", "REGCENTER_ADDR", "admin.listen in FILE", "the default"
    std::string token;
    std::string
        token_source;  ///< "--token", "--token-file FILE", "REGCENTER_TOKEN", "admin.token in FILE"
};

/// "HOST:PORT" split into its parts; HOST may be a name, an IPv4 address or a bracketed IPv6
/// address, PORT is 1 … 65535. An unspecified address (0.0.0.0, [::]), as a daemon listening
/// on every interface is configured, becomes the loopback address of its family. nullopt when
/// `text` has no such form.
std::optional<connection_settings> parse_admin_address(std::string_view text);

/// Applies the precedence above. Throws ctl_error: exit_usage for a malformed address, an
/// unreadable token file or config file, or when no token can be found.
connection_settings resolve_connection(const connection_flags& flags,
                                       const resolve_environment& env);

}  // namespace regcenter::ctl
