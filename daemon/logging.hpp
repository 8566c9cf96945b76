// The daemon's log: Boost.Log records with a syslog severity and structured fields.
//
// Fields travel as separate record attributes (not baked into the text) so that a journald
// sink can send them as journal fields (SESSION_ID=…, REMOTE_ADDR=…); the console sink prints
// them as key=value after the message.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace regcenter::logging {

/// Syslog severities, so they map one to one onto journald's PRIORITY.
enum class level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

/// One structured field; keys are journald-style upper case (SESSION_ID, REMOTE_ADDR, EVENT).
struct field {
    std::string_view key;
    std::string_view value;
};

/// Sets up the console sink (stderr) once; safe to call again (only the level changes).
void init(level min_level);

/// Changes the minimum level at run time (SIGHUP).
void set_level(level min_level);

/// Parses "debug", "info", "notice", "warning" or "error".
std::optional<level> parse_level(std::string_view name);

/// Emits one record if `lvl` passes the filter. Thread-safe.
void write(level lvl, std::string_view message, std::initializer_list<field> fields = {});

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
