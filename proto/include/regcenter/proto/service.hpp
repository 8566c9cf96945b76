// Services a master hosts (proto-spec/services.md): what one is, its limits, and the one
// validator the center, the SDK and the tests share.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "regcenter/proto/messages.hpp"

namespace regcenter::proto {

/// One service instance as a master registers it. A master has at most one per name.
struct service_info {
    std::string name;
    std::string version;                 ///< free text, may be empty
    std::vector<std::string> endpoints;  ///< e.g. "http://10.0.0.7:8080", as the master says
    label_map metadata;                  ///< string keys and values, filterable
    friend bool operator==(const service_info&, const service_info&) = default;
};

/// Limits on services (proto-spec/services.md section 3); an entry over them is refused with
/// the code and a message that names the limit.
namespace service_limits {
inline constexpr std::size_t max_name = 128;  ///< characters A-Z a-z 0-9 . _ - only
inline constexpr std::size_t max_version = 64;
inline constexpr std::size_t max_endpoints = 32;
inline constexpr std::size_t max_endpoint = 512;
inline constexpr std::size_t max_metadata_keys = 64;
inline constexpr std::size_t max_metadata_key = 128;
inline constexpr std::size_t max_metadata_value = 1024;
inline constexpr std::size_t max_services = 256;  ///< per session
}  // namespace service_limits

/// Codes of a refused service entry.
namespace service_error_code {
inline constexpr std::string_view invalid_service = "invalid-service";  ///< not an object, types
inline constexpr std::string_view invalid_name = "invalid-name";
inline constexpr std::string_view too_large = "too-large";         ///< a length or count limit
inline constexpr std::string_view too_many = "too-many-services";  ///< max_services reached
}  // namespace service_error_code

/// Why an entry was refused.
struct service_problem {
    std::string name;  ///< the entry's name when it had a readable one, else ""
    std::string code;
    std::string message;
};

/// Checks a service name: 1 to max_name characters from A-Z a-z 0-9 . _ -. Returns the
/// problem's message, or nullopt when the name is fine.
std::optional<std::string> check_service_name(std::string_view name);

/// Reads and validates one entry of "services"; exactly one of the two is set.
struct parsed_service {
    std::optional<service_info> service;
    std::optional<service_problem> problem;
};
parsed_service parse_service(const boost::json::value& entry);

/// The entry as it travels: {"name","version","endpoints","metadata"}, empty fields left out.
boost::json::object to_json(const service_info& service);

}  // namespace regcenter::proto
