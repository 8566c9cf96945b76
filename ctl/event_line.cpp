// Formatting one event for `regcenterctl watch`.
#include "event_line.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "display.hpp"
#include "json_fields.hpp"

namespace regcenter::ctl {
namespace json = boost::json;
namespace {

// Who and what first, then the details of each kind of event (docs/events.md).
constexpr std::array<std::string_view, 14> field_order = {
    "master", "name", "service", "reason", "remote",  "change",     "fingerprint",
    "count",  "job",  "kind",    "action", "targets", "started_by", "summary"};

// "master-authenticated", the longest type, so the fields after it start in one column.
constexpr std::size_t type_width = 20;

std::string value_text(const json::value& v) {
    if (!v.is_string()) {
        return printable(json::serialize(v));
    }
    const std::string_view s = v.get_string();
    const bool quote = s.empty() || s.find_first_of(" =\"\\\t\n") != std::string_view::npos;
    return printable(quote ? json::serialize(v) : std::string(s));
}

}  // namespace

std::string event_line(const json::object& event) {
    std::string line = std::to_string(int_field(event, "index"));
    line += "  ";
    line += printable(string_field(event, "at"));
    line += "  ";
    const std::string type = printable(string_field(event, "type"));
    line += type;
    std::vector<std::string_view> keys;
    for (const auto& [key, value] : event) {
        if (key != "index" && key != "at" && key != "type") {
            keys.push_back(key);
        }
    }
    const auto rank = [](std::string_view key) {
        return static_cast<std::size_t>(std::find(field_order.begin(), field_order.end(), key) -
                                        field_order.begin());
    };
    std::sort(keys.begin(), keys.end(), [&](std::string_view a, std::string_view b) {
        return std::pair(rank(a), a) < std::pair(rank(b), b);
    });
    if (!keys.empty()) {
        line.append(type.size() < type_width ? type_width - type.size() : 0, ' ');
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string_view key = keys[i];
        line += i == 0 ? "  " : " ";
        line += printable(key);
        line += "=";
        line += value_text(event.at(key));
    }
    return line;
}

}  // namespace regcenter::ctl
