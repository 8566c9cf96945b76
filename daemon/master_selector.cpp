#include "master_selector.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "regcenter/proto/service.hpp"

namespace regcenter {
namespace json = boost::json;

bool master_selector::matches(const std::string& id, const std::string& name,
                              const proto::label_map& labels) const {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) {
        return false;
    }
    if (this->name && name != *this->name) {
        return false;
    }
    return std::all_of(this->labels.begin(), this->labels.end(), [&](const auto& wanted) {
        auto it = labels.find(wanted.first);
        return it != labels.end() && it->second == wanted.second;
    });
}

std::optional<master_selector> parse_selector(const json::value& value, std::string& error) {
    master_selector selector;
    if (value.is_null()) {
        return selector;
    }
    if (!value.is_object()) {
        error = "\"selector\" must be an object like {\"ids\":[…],\"name\":\"…\",\"labels\":{…}}";
        return std::nullopt;
    }
    for (const auto& [key, field] : value.get_object()) {
        if (key == "ids") {
            if (!field.is_array()) {
                error = "\"selector.ids\" must be an array of session ids";
                return std::nullopt;
            }
            for (const json::value& id : field.get_array()) {
                if (!id.is_string() || id.get_string().empty()) {
                    error = "every entry of \"selector.ids\" must be a non-empty string";
                    return std::nullopt;
                }
                selector.ids.emplace_back(id.get_string());
            }
            if (selector.ids.empty()) {
                // An empty list selecting everyone would be a dangerous surprise.
                error = "\"selector.ids\" is empty: omit it to select every master";
                return std::nullopt;
            }
        } else if (key == "name") {
            if (!field.is_string()) {
                error = "\"selector.name\" must be a string";
                return std::nullopt;
            }
            selector.name = std::string(field.get_string());
        } else if (key == "labels") {
            if (!field.is_object()) {
                error = "\"selector.labels\" must be an object of string values";
                return std::nullopt;
            }
            for (const auto& [k, v] : field.get_object()) {
                if (!v.is_string()) {
                    error =
                        "label \"" + std::string(k) + "\" in \"selector.labels\" must be a string";
                    return std::nullopt;
                }
                selector.labels.emplace(std::string(k), std::string(v.get_string()));
            }
        } else if (key == "service") {
            if (!field.is_string()) {
                error = "\"selector.service\" must be a service name";
                return std::nullopt;
            }
            if (auto why = proto::check_service_name(field.get_string())) {
                error = "\"selector.service\": " + *why;
                return std::nullopt;
            }
            selector.service = std::string(field.get_string());
        } else if (key == "meta") {
            if (!field.is_object()) {
                error = "\"selector.meta\" must be an object of string values";
                return std::nullopt;
            }
            for (const auto& [k, v] : field.get_object()) {
                if (!v.is_string()) {
                    error =
                        "metadata \"" + std::string(k) + "\" in \"selector.meta\" must be a string";
                    return std::nullopt;
                }
                selector.meta.emplace(std::string(k), std::string(v.get_string()));
            }
        } else {
            error = "unknown key \"" + std::string(key) +
                    "\" in \"selector\" (expected ids, name, labels, service, meta)";
            return std::nullopt;
        }
    }
    if (!selector.meta.empty() && !selector.service) {
        error = "\"selector.meta\" filters a service's metadata: give \"selector.service\" too";
        return std::nullopt;
    }
    return selector;
}

json::object to_json(const master_selector& selector) {
    json::object out;
    if (!selector.ids.empty()) {
        json::array ids;
        for (const auto& id : selector.ids) {
            ids.emplace_back(id);
        }
        out["ids"] = std::move(ids);
    }
    if (selector.name) {
        out["name"] = *selector.name;
    }
    if (!selector.labels.empty()) {
        json::object labels;
        for (const auto& [k, v] : selector.labels) {
            labels[k] = v;
        }
        out["labels"] = std::move(labels);
    }
    if (selector.service) {
        out["service"] = *selector.service;
    }
    if (!selector.meta.empty()) {
        json::object meta;
        for (const auto& [k, v] : selector.meta) {
            meta[k] = v;
        }
        out["meta"] = std::move(meta);
    }
    return out;
}

}  // namespace regcenter
