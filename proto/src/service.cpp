#include "regcenter/proto/service.hpp"

namespace regcenter::proto {
namespace json = boost::json;
namespace {

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

service_problem problem(std::string name, std::string_view code, std::string message) {
    return {std::move(name), std::string(code), std::move(message)};
}

std::string over(std::string_view what, std::size_t limit) {
    return std::string(what) + " is longer than " + std::to_string(limit) + " characters";
}

}  // namespace

std::optional<std::string> check_service_name(std::string_view name) {
    if (name.empty()) {
        return "the service name is empty";
    }
    if (name.size() > service_limits::max_name) {
        return over("the service name", service_limits::max_name);
    }
    for (char c : name) {
        if (!name_char(c)) {
            return "the service name \"" + std::string(name) +
                   "\" has a character other than A-Z a-z 0-9 . _ -";
        }
    }
    return std::nullopt;
}

parsed_service parse_service(const json::value& entry) {
    using namespace service_error_code;
    if (!entry.is_object()) {
        return {std::nullopt, problem("", invalid_service, "a service must be an object")};
    }
    const json::object& o = entry.get_object();
    const json::value* name = o.if_contains("name");
    if (name == nullptr || !name->is_string()) {
        return {std::nullopt, problem("", invalid_name, "a service needs a string \"name\"")};
    }
    service_info s;
    s.name = std::string(name->get_string());
    if (auto why = check_service_name(s.name)) {
        return {std::nullopt, problem(s.name.size() <= service_limits::max_name ? s.name : "",
                                      invalid_name, *why)};
    }
    if (const json::value* v = o.if_contains("version"); v != nullptr && !v->is_null()) {
        if (!v->is_string()) {
            return {std::nullopt, problem(s.name, invalid_service, "\"version\" must be a string")};
        }
        if (v->get_string().size() > service_limits::max_version) {
            return {std::nullopt,
                    problem(s.name, too_large, over("\"version\"", service_limits::max_version))};
        }
        s.version = std::string(v->get_string());
    }
    if (const json::value* v = o.if_contains("endpoints"); v != nullptr && !v->is_null()) {
        if (!v->is_array()) {
            return {std::nullopt,
                    problem(s.name, invalid_service, "\"endpoints\" must be an array of strings")};
        }
        if (v->get_array().size() > service_limits::max_endpoints) {
            return {std::nullopt,
                    problem(s.name, too_large,
                            "more than " + std::to_string(service_limits::max_endpoints) +
                                " endpoints")};
        }
        for (const json::value& e : v->get_array()) {
            if (!e.is_string()) {
                return {std::nullopt,
                        problem(s.name, invalid_service, "every endpoint must be a string")};
            }
            if (e.get_string().size() > service_limits::max_endpoint) {
                return {std::nullopt, problem(s.name, too_large,
                                              over("an endpoint", service_limits::max_endpoint))};
            }
            s.endpoints.emplace_back(e.get_string());
        }
    }
    if (const json::value* v = o.if_contains("metadata"); v != nullptr && !v->is_null()) {
        if (!v->is_object()) {
            return {std::nullopt, problem(s.name, invalid_service,
                                          "\"metadata\" must be an object of string values")};
        }
        if (v->get_object().size() > service_limits::max_metadata_keys) {
            return {std::nullopt,
                    problem(s.name, too_large,
                            "more than " + std::to_string(service_limits::max_metadata_keys) +
                                " metadata keys")};
        }
        for (const auto& [key, value] : v->get_object()) {
            if (!value.is_string()) {
                return {std::nullopt,
                        problem(s.name, invalid_service,
                                "metadata \"" + std::string(key) + "\" must be a string")};
            }
            if (key.empty() || key.size() > service_limits::max_metadata_key) {
                return {std::nullopt, problem(s.name, too_large,
                                              "a metadata key must have 1 to " +
                                                  std::to_string(service_limits::max_metadata_key) +
                                                  " characters")};
            }
            if (value.get_string().size() > service_limits::max_metadata_value) {
                return {std::nullopt, problem(s.name, too_large,
                                              over("metadata \"" + std::string(key) + "\"",
                                                   service_limits::max_metadata_value))};
            }
            s.metadata.emplace(std::string(key), std::string(value.get_string()));
        }
    }
    return {std::move(s), std::nullopt};
}

json::object to_json(const service_info& s) {
    json::object o{{"name", s.name}};
    if (!s.version.empty()) {
        o["version"] = s.version;
    }
    if (!s.endpoints.empty()) {
        json::array endpoints;
        for (const auto& e : s.endpoints) {
            endpoints.emplace_back(e);
        }
        o["endpoints"] = std::move(endpoints);
    }
    if (!s.metadata.empty()) {
        o["metadata"] = to_json(s.metadata);
    }
    return o;
}

json::object to_json(const label_map& m) {
    json::object out;
    for (const auto& [k, v] : m) {
        out[k] = v;
    }
    return out;
}

namespace {

// A string field of an instance; false (with `why`) when present with another type.
bool read_string(const json::object& o, std::string_view field, std::string& out,
                 std::string& why) {
    const json::value* v = o.if_contains(field);
    if (v == nullptr || v->is_null()) {
        return true;
    }
    if (!v->is_string()) {
        why = "instance field \"" + std::string(field) + "\" must be a string";
        return false;
    }
    out = std::string(v->get_string());
    return true;
}

}  // namespace

bool includes(const label_map& have, const label_map& wanted) {
    for (const auto& [k, v] : wanted) {
        auto it = have.find(k);
        if (it == have.end() || it->second != v) {
            return false;
        }
    }
    return true;
}

json::object to_json(const service_instance& i) {
    return {{"master", i.master},
            {"master_name", i.master_name},
            {"remote", i.remote},
            {"labels", to_json(i.labels)},
            {"version", i.service.version},
            {"endpoints", json::array(i.service.endpoints.begin(), i.service.endpoints.end())},
            {"metadata", to_json(i.service.metadata)}};
}

std::optional<service_instance> parse_instance(std::string_view name, const json::value& entry,
                                               std::string& why) {
    if (!entry.is_object()) {
        why = "an instance must be an object";
        return std::nullopt;
    }
    const json::object& o = entry.get_object();
    service_instance i;
    if (!read_string(o, "master", i.master, why) ||
        !read_string(o, "master_name", i.master_name, why) ||
        !read_string(o, "remote", i.remote, why)) {
        return std::nullopt;
    }
    if (const json::value* labels = o.if_contains("labels");
        labels != nullptr && !labels->is_null()) {
        if (!labels->is_object()) {
            why = "instance field \"labels\" must be an object of strings";
            return std::nullopt;
        }
        for (const auto& [k, v] : labels->get_object()) {
            if (!v.is_string()) {
                why = "instance label \"" + std::string(k) + "\" must be a string";
                return std::nullopt;
            }
            i.labels.emplace(std::string(k), std::string(v.get_string()));
        }
    }
    // The service part is validated like a registration, so both ends agree on the limits.
    json::object service{{"name", name}};
    for (const char* field : {"version", "endpoints", "metadata"}) {
        if (const json::value* v = o.if_contains(field)) {
            service[field] = *v;
        }
    }
    parsed_service parsed = parse_service(service);
    if (parsed.problem) {
        why = parsed.problem->message;
        return std::nullopt;
    }
    i.service = std::move(*parsed.service);
    return i;
}

bool matches(const service_query& query, const service_instance& instance) {
    return includes(instance.service.metadata, query.metadata) &&
           includes(instance.labels, query.labels);
}

}  // namespace regcenter::proto
