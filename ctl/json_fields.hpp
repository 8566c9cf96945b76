// Reading fields of the admin API's JSON answers leniently: a missing or mistyped field reads
// as empty, so a newer daemon adding or changing a field never crashes the table printing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

namespace regcenter::ctl {

inline std::string string_field(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::int64_t int_field(const boost::json::object& o, std::string_view key) {
    const boost::json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_number()) {
        return 0;
    }
    boost::json::error_code ec;
    const auto n = v->to_number<std::int64_t>(ec);
    return ec ? static_cast<std::int64_t>(v->to_number<double>()) : n;
}

inline const boost::json::object& object_field(const boost::json::object& o, std::string_view key) {
    static const boost::json::object empty;
    const boost::json::value* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? v->get_object() : empty;
}

inline const boost::json::array& array_field(const boost::json::object& o, std::string_view key) {
    static const boost::json::array empty;
    const boost::json::value* v = o.if_contains(key);
    return v != nullptr && v->is_array() ? v->get_array() : empty;
}

/// The answer itself must be an object; anything else reads as an empty one.
inline const boost::json::object& as_object(const boost::json::value& v) {
    static const boost::json::object empty;
    return v.is_object() ? v.get_object() : empty;
}

}  // namespace regcenter::ctl
