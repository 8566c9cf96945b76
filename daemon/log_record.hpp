// What a log record carries besides its message, shared by the sinks (logging.cpp's console
// sink, journal_sink.cpp). Internal to the daemon's logging.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace regcenter::logging::detail {

/// Record attribute names: "Severity" holds a logging::level, "Fields" a field_list.
inline constexpr const char* severity_attribute = "Severity";
inline constexpr const char* fields_attribute = "Fields";

/// The structured fields of one record, in order, as a single attribute value.
struct field_list {
    std::string text;  ///< " KEY=value KEY2=value2", as the console prints them
    std::vector<std::pair<std::string, std::string>> pairs;
};

}  // namespace regcenter::logging::detail
