// What a log record carries besides its message, shared by the sinks (logging.cpp's console
// sink, journal_sink.cpp). Internal to the daemon's logging.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace regcenter::logging::detail {

/// Record attribute names: "Severity" holds a logging::level, "Fields" a field_list, "Message"
/// the text (a std::string, where Boost.Log's record_ostream would put it).
inline constexpr const char* severity_attribute = "Severity";
inline constexpr const char* message_attribute = "Message";
inline constexpr const char* fields_attribute = "Fields";

/// The structured fields of one record, in order, as a single attribute value: every key and
/// value back to back in one string, so that a record costs two allocations however many
/// fields it has. Each sink formats them its own way (console: KEY=value, journal: fields).
class field_list {
  public:
    void reserve(std::size_t fields, std::size_t bytes) {
        spans_.reserve(fields);
        chars_.reserve(bytes);
    }
    void add(std::string_view key, std::string_view value) {
        spans_.push_back({static_cast<std::uint32_t>(chars_.size()),
                          static_cast<std::uint32_t>(key.size()),
                          static_cast<std::uint32_t>(value.size())});
        chars_ += key;
        chars_ += value;
    }
    std::size_t size() const { return spans_.size(); }
    std::string_view key(std::size_t i) const {
        return std::string_view(chars_).substr(spans_[i].offset, spans_[i].key_size);
    }
    std::string_view value(std::size_t i) const {
        return std::string_view(chars_).substr(spans_[i].offset + spans_[i].key_size,
                                               spans_[i].value_size);
    }

  private:
    struct span {
        std::uint32_t offset;
        std::uint32_t key_size;
        std::uint32_t value_size;
    };
    std::string chars_;
    std::vector<span> spans_;
};

}  // namespace regcenter::logging::detail
