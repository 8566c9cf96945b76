// Which masters an operation targets: by session ids, by name, by labels; empty means all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "master_info.hpp"

namespace regcenter {

/// Every criterion given must hold (AND); `ids` matches any of its entries (OR).
struct master_selector {
    std::vector<std::string> ids;
    std::optional<std::string> name;
    proto::label_map labels;  ///< each key must be present with exactly this value
    /// The master hosts an instance of this service (proto-spec/services.md)...
    std::optional<std::string> service = std::nullopt;
    /// ...whose metadata has exactly these values (only with `service`).
    proto::label_map meta = {};

    bool empty() const { return ids.empty() && !name && labels.empty() && !service; }
    /// The criteria a master_info shows: ids, name, labels. `service` and `meta` need the
    /// service index; callers check them with hosts() below.
    bool matches(const master_info& m) const { return matches(m.id, m.name, m.labels); }
    bool matches(const std::string& id, const std::string& name,
                 const proto::label_map& labels) const;
};

/// Parses {"ids":[…], "name":"…", "labels":{"k":"v"}, "service":"…", "meta":{"k":"v"}} (every
/// key optional; null means {}).
/// Returns nullopt with `error` naming the offending field; unknown keys are refused so that a
/// typo never widens a fan-out to the whole fleet.
std::optional<master_selector> parse_selector(const boost::json::value& value, std::string& error);

boost::json::object to_json(const master_selector& selector);

}  // namespace regcenter
