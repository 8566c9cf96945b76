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

/// Limits on services (proto-spec/services.md section 1); an entry over them is refused with
/// the code and a message that names the limit.
namespace service_limits {
inline constexpr std::size_t max_name = 128;  ///< characters A-Z a-z 0-9 . _ - only
inline constexpr std::size_t max_version = 64;
inline constexpr std::size_t max_endpoints = 32;
inline constexpr std::size_t max_endpoint = 512;
inline constexpr std::size_t max_metadata_keys = 64;
inline constexpr std::size_t max_metadata_key = 128;
inline constexpr std::size_t max_metadata_value = 1024;
inline constexpr std::size_t max_services = 256;       ///< per session
inline constexpr std::size_t max_subscriptions = 256;  ///< per session
}  // namespace service_limits

/// Codes of a refused service entry.
namespace service_error_code {
inline constexpr std::string_view invalid_service = "invalid-service";  ///< not an object, types
inline constexpr std::string_view invalid_name = "invalid-name";
inline constexpr std::string_view too_large = "too-large";         ///< a length or count limit
inline constexpr std::string_view too_many = "too-many-services";  ///< max_services reached
inline constexpr std::string_view too_many_subscriptions = "too-many-subscriptions";
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

/// Labels or metadata as a JSON object of strings.
boost::json::object to_json(const label_map& map);

/// The entry as it travels: {"name","version","endpoints","metadata"}, empty fields left out.
boost::json::object to_json(const service_info& service);

/// An instance as discovery reports it (services.md section 5): {"master","master_name",
/// "remote","labels","version","endpoints","metadata"}; the service's name is the message's.
boost::json::object to_json(const service_instance& instance);

/// Reads an instance of service `name` written by to_json; nullopt with `why` set otherwise.
std::optional<service_instance> parse_instance(std::string_view name,
                                               const boost::json::value& entry, std::string& why);

/// Whether every pair of `wanted` is in `have` (filters on metadata and labels).
bool includes(const label_map& have, const label_map& wanted);

/// Whether `instance` passes `query`'s metadata and label filters (its name is not compared).
bool matches(const service_query& query, const service_instance& instance);

}  // namespace regcenter::proto
