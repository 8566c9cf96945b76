// The daemon's log: Boost.Log records with a syslog severity and structured fields.
//
// Fields travel as separate record attributes (not baked into the text) so that a journald
// sink can send them as journal fields (SESSION_ID=…, REMOTE_ADDR=…); the console sink prints
// them as key=value after the message. The journal sink is in journal_sink.hpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace regcenter::logging {

/// Syslog severities, so they map one to one onto journald's PRIORITY.
enum class level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

/// One structured field; keys are journald-style upper case (SESSION_ID, REMOTE_ADDR, EVENT).
struct field {
    std::string_view key;
    std::string_view value;
};

/// Where records go.
enum class sink {
    console,  ///< stderr, one line per record
    journal,  ///< the systemd journal's native protocol, one datagram per record
};

/// Where journald listens for native-protocol datagrams.
inline constexpr std::string_view default_journal_socket = "/run/systemd/journal/socket";

struct output {
    sink kind = sink::console;
    /// The journal's socket (sink::journal only); tests point it at a socket of their own.
    std::string journal_socket = std::string(default_journal_socket);
};

/// Sets up the sink once (the console unless `out` says otherwise); safe to call again (only
/// the level changes). A record written before init() sets up the console sink for good.
void init(level min_level, const output& out = {});

/// Changes the minimum level at run time (SIGHUP).
void set_level(level min_level);

/// Parses "debug", "info", "notice", "warning" or "error".
std::optional<level> parse_level(std::string_view name);

/// Emits one record if `lvl` passes the filter. Thread-safe.
void write(level lvl, std::string_view message, std::initializer_list<field> fields = {});

/// The same with a field list built at run time (a vector, an array).
void write(level lvl, std::string_view message, std::span<const field> fields);

/// Records the journal sink could not deliver and dropped (0 with the console sink).
std::uint64_t dropped_records();

inline void debug(std::string_view m, std::initializer_list<field> f = {}) {
    write(level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<field> f = {}) {
    write(level::info, m, f);
}
inline void notice(std::string_view m, std::initializer_list<field> f = {}) {
    write(level::notice, m, f);
}
inline void warning(std::string_view m, std::initializer_list<field> f = {}) {
    write(level::warning, m, f);
}
inline void error(std::string_view m, std::initializer_list<field> f = {}) {
    write(level::error, m, f);
}

}  // namespace regcenter::logging
