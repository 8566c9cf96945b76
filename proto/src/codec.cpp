// Decoding and encoding of protocol v1 messages with Boost.JSON.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "regcenter/proto/json_text.hpp"
#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/service.hpp"

namespace regcenter::proto {
namespace json = boost::json;
namespace {

std::string kind_of(const json::value& v) {
    switch (v.kind()) {
        case json::kind::null:
            return "null";
        case json::kind::bool_:
            return "a boolean";
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_:
            return "a number";
        case json::kind::string:
            return "a string";
        case json::kind::array:
            return "an array";
        case json::kind::object:
            return "an object";
    }
    return "unknown";
}

decode_error wrong_type(std::string_view field, std::string_view expected, const json::value& v) {
    return {"field \"" + std::string(field) + "\" must be " + std::string(expected) + ", not " +
            kind_of(v)};
}

decode_error too_long(std::string_view field, std::size_t limit) {
    return {"field \"" + std::string(field) + "\" is longer than " + std::to_string(limit) +
            " bytes"};
}

// Reads an optional string field; returns an error for a present field of another type.
std::optional<decode_error> optional_string(const json::object& o, std::string_view field,
                                            std::size_t limit, std::optional<std::string>& out) {
    const json::value* v = o.if_contains(field);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        return wrong_type(field, "a string", *v);
    }
    if (v->get_string().size() > limit) {
        return too_long(field, limit);
    }
    out = std::string(v->get_string());
    return std::nullopt;
}

bool valid_action_name(std::string_view name) {
    if (name.empty() || name.size() > limits::max_action_name) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::optional<decode_error> decode_action_list(const json::value& v,
                                               std::vector<action_info>& out) {
    if (!v.is_array()) {
        return wrong_type("actions", "an array", v);
    }
    const json::array& list = v.get_array();
    if (list.size() > limits::max_actions) {
        return decode_error{"field \"actions\" has more than " +
                            std::to_string(limits::max_actions) + " entries"};
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string where = "actions[" + std::to_string(i) + "]";
        if (!list[i].is_object()) {
            return wrong_type(where, "an object", list[i]);
        }
        const json::object& entry = list[i].get_object();
        action_info action;
        std::optional<std::string> name;
        std::optional<std::string> description;
        if (auto e = optional_string(entry, "name", limits::max_action_name, name)) {
            return decode_error{where + "." + e->what};
        }
        if (!name || !valid_action_name(*name)) {
            return decode_error{where + ".name must be 1 to " +
                                std::to_string(limits::max_action_name) +
                                " characters of A-Z a-z 0-9 . _ : -"};
        }
        if (auto e = optional_string(entry, "description", limits::max_action_description,
                                     description)) {
            return decode_error{where + "." + e->what};
        }
        if (const json::value* schema = entry.if_contains("args_schema");
            schema != nullptr && !schema->is_null()) {
            if (!schema->is_object()) {
                return wrong_type(where + ".args_schema", "an object", *schema);
            }
            action.args_schema = schema->get_object();
        }
        for (const action_info& seen : out) {
            if (seen.name == *name) {
                return decode_error{"action \"" + *name + "\" is listed twice"};
            }
        }
        action.name = std::move(*name);
        action.description = description.value_or("");
        out.push_back(std::move(action));
    }
    return std::nullopt;
}

// "stream" must be an integer in 1 … 2^32-1.
std::optional<decode_error> read_stream_id(const json::object& o, stream_id& out) {
    const json::value* v = o.if_contains("stream");
    if (v == nullptr) {
        return decode_error{"field \"stream\" is missing"};
    }
    std::uint64_t id = 0;
    if (v->is_uint64()) {
        id = v->get_uint64();
    } else if (v->is_int64() && v->get_int64() > 0) {
        id = static_cast<std::uint64_t>(v->get_int64());
    } else if (!v->is_int64()) {
        return wrong_type("stream", "an integer", *v);
    }
    if (id == 0 || id > 0xffffffffULL) {
        return decode_error{"field \"stream\" must be from 1 to 4294967295"};
    }
    out = static_cast<stream_id>(id);
    return std::nullopt;
}

decode_result decode_actions_update(const json::object& o) {
    const json::value* v = o.if_contains("actions");
    if (v == nullptr) {
        return decode_error{"field \"actions\" is missing"};
    }
    actions_update m;
    if (auto e = decode_action_list(*v, m.actions)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_stream_open(const json::object& o) {
    stream_open m;
    if (auto e = read_stream_id(o, m.stream)) {
        return *e;
    }
    std::optional<std::string> action;
    if (auto e = optional_string(o, "action", limits::max_action_name, action)) {
        return *e;
    }
    if (!action || action->empty()) {
        return decode_error{"field \"action\" is missing"};
    }
    m.action = std::move(*action);
    if (const json::value* args = o.if_contains("args")) {
        m.args = *args;
    }
    if (auto e = optional_string(o, "input", streams::max_data_payload, m.input)) {
        return *e;
    }
    if (const json::value* v = o.if_contains("end"); v != nullptr && !v->is_null()) {
        if (!v->is_bool()) {
            return wrong_type("end", "a boolean", *v);
        }
        m.end = v->get_bool();
    }
    return message{std::move(m)};
}

decode_result decode_stream_credit(const json::object& o) {
    stream_credit m;
    if (auto e = read_stream_id(o, m.stream)) {
        return *e;
    }
    const json::value* bytes = o.if_contains("bytes");
    if (bytes == nullptr) {
        return decode_error{"field \"bytes\" is missing"};
    }
    if (bytes->is_uint64()) {
        m.bytes = bytes->get_uint64();
    } else if (bytes->is_int64()) {
        m.bytes = bytes->get_int64() > 0 ? static_cast<std::uint64_t>(bytes->get_int64()) : 0;
    } else {
        return wrong_type("bytes", "an integer", *bytes);
    }
    if (m.bytes == 0) {
        return decode_error{"field \"bytes\" must be at least 1"};
    }
    return message{m};
}

// The optional "code" and "message" of error and stream-error.
std::optional<decode_error> read_code_and_message(const json::object& o, std::string& code,
                                                  std::string& text) {
    std::optional<std::string> c;
    std::optional<std::string> t;
    if (auto e = optional_string(o, "code", limits::max_name, c)) {
        return e;
    }
    if (auto e = optional_string(o, "message", 64 * 1024, t)) {
        return e;
    }
    code = c.value_or("");
    text = t.value_or("");
    return std::nullopt;
}

decode_result decode_stream_error(const json::object& o) {
    stream_error m;
    if (auto e = read_stream_id(o, m.stream)) {
        return *e;
    }
    if (auto e = read_code_and_message(o, m.code, m.message)) {
        return *e;
    }
    return message{std::move(m)};
}

template <class Message>
decode_result decode_stream_only(const json::object& o) {
    Message m;
    if (auto e = read_stream_id(o, m.stream)) {
        return *e;
    }
    return message{m};
}

// "services": an array of entries, kept raw (each is validated on its own, services.md).
std::optional<decode_error> read_service_entries(const json::object& o, bool required,
                                                 std::vector<json::value>& out) {
    const json::value* v = o.if_contains("services");
    if (v == nullptr || v->is_null()) {
        return required ? std::optional{decode_error{"field \"services\" is missing"}}
                        : std::nullopt;
    }
    if (!v->is_array()) {
        return wrong_type("services", "an array of services", *v);
    }
    out.assign(v->get_array().begin(), v->get_array().end());
    return std::nullopt;
}

// The optional "id" a request carries and its answer echoes: a string or a number.
std::optional<decode_error> read_request_id(const json::object& o, json::value& out) {
    const json::value* v = o.if_contains("id");
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_string() && !v->is_number()) {
        return wrong_type("id", "a string or a number", *v);
    }
    out = *v;
    return std::nullopt;
}

decode_result decode_register(const json::object& o) {
    register_services m;
    if (auto e = read_service_entries(o, true, m.services)) {
        return *e;
    }
    if (auto e = read_request_id(o, m.id)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_registered(const json::object& o) {
    registered m;
    if (auto e = read_request_id(o, m.id)) {
        return *e;
    }
    const json::value* v = o.if_contains("results");
    if (v == nullptr || !v->is_array()) {
        return decode_error{"field \"results\" must be an array"};
    }
    for (const json::value& entry : v->get_array()) {
        if (!entry.is_object()) {
            return decode_error{"every entry of \"results\" must be an object"};
        }
        const json::object& r = entry.get_object();
        service_result result;
        std::optional<std::string> name;
        std::optional<std::string> status;
        if (auto e = optional_string(r, "name", 1024, name)) {
            return *e;
        }
        if (auto e = optional_string(r, "status", 64, status)) {
            return *e;
        }
        result.name = name.value_or("");
        result.ok = status.value_or("") == "ok";
        if (!result.ok) {
            if (auto e = read_code_and_message(r, result.code, result.message)) {
                return *e;
            }
        }
        m.results.push_back(std::move(result));
    }
    return message{std::move(m)};
}

decode_result decode_remove(const json::object& o) {
    remove_services m;
    if (auto e = optional_string(o, "service", 1024, m.service)) {
        return *e;
    }
    if (auto e = read_request_id(o, m.id)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_removed(const json::object& o) {
    removed m;
    if (auto e = read_request_id(o, m.id)) {
        return *e;
    }
    const json::value* v = o.if_contains("services");
    if (v == nullptr || !v->is_array()) {
        return decode_error{"field \"services\" must be an array of names"};
    }
    for (const json::value& name : v->get_array()) {
        if (!name.is_string()) {
            return decode_error{"every entry of \"services\" must be a string"};
        }
        m.services.emplace_back(name.get_string());
    }
    return message{std::move(m)};
}

// An optional object of strings ("metadata", "labels" of a query) of at most `max_keys` keys.
std::optional<decode_error> read_to_json(const json::object& o, std::string_view field,
                                         std::size_t max_keys, label_map& out) {
    const json::value* v = o.if_contains(field);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_object()) {
        return wrong_type(field, "an object of strings", *v);
    }
    if (v->get_object().size() > max_keys) {
        return decode_error{"field \"" + std::string(field) + "\" has more than " +
                            std::to_string(max_keys) + " entries"};
    }
    for (const auto& [key, value] : v->get_object()) {
        if (!value.is_string()) {
            return wrong_type(std::string(field) + "." + std::string(key), "a string", value);
        }
        out.emplace(std::string(key), std::string(value.get_string()));
    }
    return std::nullopt;
}

// "service" (required; its syntax is the center's to judge, services.md section 5), then the
// filters and the id.
std::optional<decode_error> read_query(const json::object& o, service_query& q, json::value& id) {
    std::optional<std::string> service;
    if (auto e = optional_string(o, "service", 1024, service)) {
        return e;
    }
    if (!service) {
        return decode_error{"field \"service\" is missing"};
    }
    q.service = std::move(*service);
    if (auto e = read_to_json(o, "metadata", service_limits::max_metadata_keys, q.metadata)) {
        return e;
    }
    if (auto e = read_to_json(o, "labels", limits::max_labels, q.labels)) {
        return e;
    }
    return read_request_id(o, id);
}

// "instances": every entry an instance of `service` (service.hpp parse_instance).
std::optional<decode_error> read_instances(const json::object& o, std::string_view service,
                                           std::vector<service_instance>& out) {
    const json::value* v = o.if_contains("instances");
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_array()) {
        return wrong_type("instances", "an array of instances", *v);
    }
    for (const json::value& entry : v->get_array()) {
        std::string why;
        auto instance = parse_instance(service, entry, why);
        if (!instance) {
            return decode_error{"instances[" + std::to_string(out.size()) + "]: " + why};
        }
        out.push_back(std::move(*instance));
    }
    return std::nullopt;
}

std::optional<decode_error> required_string(const json::object& o, std::string_view field,
                                            std::string& out) {
    std::optional<std::string> value;
    if (auto e = optional_string(o, field, 64 * 1024, value)) {
        return e;
    }
    if (!value) {
        return decode_error{"field \"" + std::string(field) + "\" is missing"};
    }
    out = std::move(*value);
    return std::nullopt;
}

template <class Request>
decode_result decode_query_request(const json::object& o) {
    Request m;
    if (auto e = read_query(o, m.query, m.id)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_discover_result(const json::object& o) {
    discover_result m;
    if (auto e = required_string(o, "service", m.service)) {
        return *e;
    }
    if (auto e = read_instances(o, m.service, m.instances)) {
        return *e;
    }
    if (auto e = read_code_and_message(o, m.code, m.message)) {
        return *e;
    }
    if (auto e = read_request_id(o, m.id)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_unsubscribe(const json::object& o) {
    unsubscribe m;
    if (auto e = required_string(o, "service", m.service)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_service_update(const json::object& o) {
    service_update m;
    if (auto e = required_string(o, "service", m.service)) {
        return *e;
    }
    if (auto e = required_string(o, "change", m.change)) {
        return *e;
    }
    if (auto e = read_instances(o, m.service, m.instances)) {
        return *e;
    }
    std::optional<std::string> master;
    std::optional<std::string> reason;
    if (auto e = optional_string(o, "master", limits::max_name, master)) {
        return *e;
    }
    if (auto e = optional_string(o, "reason", limits::max_name, reason)) {
        return *e;
    }
    m.master = master.value_or("");
    m.reason = reason.value_or("");
    if (m.change == update_change::removed && m.master.empty()) {
        return decode_error{"a \"removed\" service-update needs field \"master\""};
    }
    if (auto e = read_code_and_message(o, m.code, m.message)) {
        return *e;
    }
    if (auto e = read_request_id(o, m.id)) {
        return *e;
    }
    return message{std::move(m)};
}

decode_result decode_centers(const json::object& o) {
    center_list m;
    const json::value* v = o.if_contains("centers");
    if (v == nullptr || !v->is_array()) {
        return decode_error{"field \"centers\" must be an array of ws:// URLs"};
    }
    for (const json::value& url : v->get_array()) {
        if (!url.is_string() || url.get_string().size() > 1024) {
            return decode_error{"every entry of \"centers\" must be a URL string"};
        }
        m.centers.emplace_back(url.get_string());
    }
    return message{std::move(m)};
}

decode_result decode_auth(const json::object& o) {
    auth m;
    std::optional<std::string> token;
    if (auto e = optional_string(o, "token", limits::max_token, token)) {
        return *e;
    }
    m.token = token.value_or("");
    if (auto e = optional_string(o, "name", limits::max_name, m.name)) {
        return *e;
    }
    if (const json::value* v = o.if_contains("labels"); v != nullptr && !v->is_null()) {
        if (!v->is_object()) {
            return wrong_type("labels", "an object of strings", *v);
        }
        const json::object& labels = v->get_object();
        if (labels.size() > limits::max_labels) {
            return decode_error{"field \"labels\" has more than " +
                                std::to_string(limits::max_labels) + " entries"};
        }
        for (const auto& [key, value] : labels) {
            const std::string field = "labels." + std::string(key);
            if (key.empty() || key.size() > limits::max_label_key) {
                return decode_error{"label keys must be 1 to " +
                                    std::to_string(limits::max_label_key) + " bytes long"};
            }
            if (!value.is_string()) {
                return wrong_type(field, "a string", value);
            }
            if (value.get_string().size() > limits::max_label_value) {
                return too_long(field, limits::max_label_value);
            }
            m.labels.emplace(std::string(key), std::string(value.get_string()));
        }
    }
    if (const json::value* v = o.if_contains("actions"); v != nullptr && !v->is_null()) {
        m.actions.emplace();
        if (auto e = decode_action_list(*v, *m.actions)) {
            return *e;
        }
    }
    if (auto e = read_service_entries(o, false, m.services)) {
        return *e;
    }
    if (const json::value* v = o.if_contains("centers"); v != nullptr && !v->is_null()) {
        if (!v->is_bool()) {
            return wrong_type("centers", "a boolean", *v);
        }
        m.wants_centers = v->get_bool();
    }
    if (const json::value* v = o.if_contains("going_away"); v != nullptr && !v->is_null()) {
        if (!v->is_bool()) {
            return wrong_type("going_away", "a boolean", *v);
        }
        m.wants_going_away = v->get_bool();
    }
    if (const json::value* v = o.if_contains("inline_input"); v != nullptr && !v->is_null()) {
        if (!v->is_bool()) {
            return wrong_type("inline_input", "a boolean", *v);
        }
        m.wants_inline_input = v->get_bool();
    }
    return message{std::move(m)};
}

decode_result decode_going_away(const json::object& o) {
    going_away m;
    const json::value* v = o.if_contains("reconnect_after");
    if (v == nullptr) {
        return decode_error{"field \"reconnect_after\" is missing"};
    }
    if (!v->is_number()) {
        return wrong_type("reconnect_after", "a number", *v);
    }
    m.reconnect_after = v->to_number<double>();
    if (!(m.reconnect_after >= 0) || m.reconnect_after > 86400) {
        return decode_error{"field \"reconnect_after\" must be from 0 to 86400 seconds"};
    }
    return message{m};
}

decode_result decode_auth_success(const json::object& o) {
    auth_success m;
    std::optional<std::string> text;
    std::optional<std::string> session;
    if (auto e = optional_string(o, "message", limits::max_label_value, text)) {
        return *e;
    }
    if (auto e = optional_string(o, "session", limits::max_name, session)) {
        return *e;
    }
    if (!session) {
        return decode_error{"field \"session\" is missing"};
    }
    m.message = text.value_or("");
    m.session = std::move(*session);
    if (const json::value* v = o.if_contains("heartbeat")) {
        if (!v->is_number()) {
            return wrong_type("heartbeat", "a number", *v);
        }
        m.heartbeat = v->to_number<double>();
        if (!(m.heartbeat > 0)) {
            return decode_error{"field \"heartbeat\" must be positive"};
        }
    }
    return message{std::move(m)};
}

decode_result decode_text_only(const json::object& o, auto make) {
    std::optional<std::string> text;
    if (auto e = optional_string(o, "message", 64 * 1024, text)) {
        return *e;
    }
    return message{make(text.value_or(""))};
}

decode_result decode_error_message(const json::object& o) {
    error m;
    if (auto e = read_code_and_message(o, m.code, m.message)) {
        return *e;
    }
    return message{std::move(m)};
}

}  // namespace

decode_result decode(std::string_view frame) {
    json::error_code ec;
    json::value parsed = json::parse(frame, ec);
    if (ec) {
        return decode_error{"frame is not valid JSON: " + ec.message()};
    }
    if (!parsed.is_object()) {
        return decode_error{"frame must be a JSON object, not " + kind_of(parsed)};
    }
    json::object& o = parsed.get_object();
    const json::value* cmd_value = o.if_contains("cmd");
    if (cmd_value == nullptr) {
        return decode_error{"field \"cmd\" is missing"};
    }
    if (!cmd_value->is_string()) {
        return wrong_type("cmd", "a string", *cmd_value);
    }
    const std::string_view name = cmd_value->get_string();
    if (name == cmd::auth) {
        return decode_auth(o);
    }
    if (name == cmd::auth_success) {
        return decode_auth_success(o);
    }
    if (name == cmd::auth_failed) {
        return decode_text_only(o, [](std::string t) { return auth_failed{std::move(t)}; });
    }
    if (name == cmd::ping) {
        return message{ping{}};
    }
    if (name == cmd::pong) {
        return message{pong{}};
    }
    if (name == cmd::leave) {
        return message{leave{}};
    }
    if (name == cmd::error) {
        return decode_error_message(o);
    }
    if (name == cmd::actions) {
        return decode_actions_update(o);
    }
    if (name == cmd::stream_open) {
        return decode_stream_open(o);
    }
    if (name == cmd::stream_credit) {
        return decode_stream_credit(o);
    }
    if (name == cmd::stream_end) {
        return decode_stream_only<stream_end>(o);
    }
    if (name == cmd::stream_error) {
        return decode_stream_error(o);
    }
    if (name == cmd::stream_close) {
        return decode_stream_only<stream_close>(o);
    }
    if (name == cmd::register_services) {
        return decode_register(o);
    }
    if (name == cmd::registered) {
        return decode_registered(o);
    }
    if (name == cmd::remove_services) {
        return decode_remove(o);
    }
    if (name == cmd::removed) {
        return decode_removed(o);
    }
    if (name == cmd::discover) {
        return decode_query_request<discover>(o);
    }
    if (name == cmd::discover_result) {
        return decode_discover_result(o);
    }
    if (name == cmd::subscribe) {
        return decode_query_request<subscribe>(o);
    }
    if (name == cmd::unsubscribe) {
        return decode_unsubscribe(o);
    }
    if (name == cmd::service_update) {
        return decode_service_update(o);
    }
    if (name == cmd::centers) {
        return decode_centers(o);
    }
    if (name == cmd::going_away) {
        return decode_going_away(o);
    }
    unknown u;
    u.cmd = std::string(name);
    u.body = std::move(o);
    return message{std::move(u)};
}

namespace {

json::array encode_action_list(const std::vector<action_info>& actions) {
    json::array list;
    list.reserve(actions.size());
    for (const action_info& a : actions) {
        json::object entry{{"name", a.name}};
        if (!a.description.empty()) {
            entry["description"] = a.description;
        }
        if (a.args_schema) {
            entry["args_schema"] = *a.args_schema;
        }
        list.push_back(std::move(entry));
    }
    return list;
}

void put_id(json::object& o, const json::value& id) {
    if (!id.is_null()) {
        o["id"] = id;
    }
}

json::array instances(const std::vector<service_instance>& list) {
    json::array out;
    out.reserve(list.size());
    for (const service_instance& i : list) {
        out.push_back(to_json(i));
    }
    return out;
}

json::object query(std::string_view cmd, const service_query& q, const json::value& id) {
    json::object o{{"cmd", cmd}, {"service", q.service}};
    if (!q.metadata.empty()) {
        o["metadata"] = to_json(q.metadata);
    }
    if (!q.labels.empty()) {
        o["labels"] = to_json(q.labels);
    }
    put_id(o, id);
    return o;
}

struct encoder {
    json::object operator()(const auth& m) const {
        json::object o{{"cmd", cmd::auth}, {"token", m.token}};
        if (m.name) {
            o["name"] = *m.name;
        }
        if (!m.labels.empty()) {
            o["labels"] = to_json(m.labels);
        }
        if (m.actions) {
            o["actions"] = encode_action_list(*m.actions);
        }
        if (!m.services.empty()) {
            o["services"] = json::array(m.services.begin(), m.services.end());
        }
        if (m.wants_centers) {
            o["centers"] = true;
        }
        if (m.wants_going_away) {
            o["going_away"] = true;
        }
        if (m.wants_inline_input) {
            o["inline_input"] = true;
        }
        return o;
    }
    json::object operator()(const auth_success& m) const {
        // Whole seconds go out as integers ("heartbeat":20, not 2E1) for readers that expect them.
        json::value heartbeat = m.heartbeat;
        if (m.heartbeat == std::floor(m.heartbeat) && m.heartbeat < 1e15) {
            heartbeat = static_cast<std::int64_t>(m.heartbeat);
        }
        return {{"cmd", cmd::auth_success},
                {"message", m.message},
                {"session", m.session},
                {"heartbeat", std::move(heartbeat)}};
    }
    json::object operator()(const auth_failed& m) const {
        return {{"cmd", cmd::auth_failed}, {"message", m.message}};
    }
    json::object operator()(const ping&) const { return {{"cmd", cmd::ping}}; }
    json::object operator()(const pong&) const { return {{"cmd", cmd::pong}}; }
    json::object operator()(const leave&) const { return {{"cmd", cmd::leave}}; }
    json::object operator()(const error& m) const {
        return {{"cmd", cmd::error}, {"code", m.code}, {"message", m.message}};
    }
    json::object operator()(const actions_update& m) const {
        return {{"cmd", cmd::actions}, {"actions", encode_action_list(m.actions)}};
    }
    json::object operator()(const stream_open& m) const {
        json::object o{{"cmd", cmd::stream_open},
                       {"stream", m.stream},
                       {"action", m.action},
                       {"args", m.args}};
        if (m.input) {
            o["input"] = *m.input;
        }
        if (m.end) {
            o["end"] = true;
        }
        return o;
    }
    json::object operator()(const stream_credit& m) const {
        return {{"cmd", cmd::stream_credit}, {"stream", m.stream}, {"bytes", m.bytes}};
    }
    json::object operator()(const stream_end& m) const {
        return {{"cmd", cmd::stream_end}, {"stream", m.stream}};
    }
    json::object operator()(const stream_error& m) const {
        return {{"cmd", cmd::stream_error},
                {"stream", m.stream},
                {"code", m.code},
                {"message", m.message}};
    }
    json::object operator()(const stream_close& m) const {
        return {{"cmd", cmd::stream_close}, {"stream", m.stream}};
    }
    json::object operator()(const register_services& m) const {
        json::object o{{"cmd", cmd::register_services},
                       {"services", json::array(m.services.begin(), m.services.end())}};
        put_id(o, m.id);
        return o;
    }
    json::object operator()(const registered& m) const {
        json::array results;
        for (const service_result& r : m.results) {
            json::object entry{{"name", r.name}, {"status", r.ok ? "ok" : "error"}};
            if (!r.ok) {
                entry["code"] = r.code;
                entry["message"] = r.message;
            }
            results.push_back(std::move(entry));
        }
        json::object o{{"cmd", cmd::registered}, {"results", std::move(results)}};
        put_id(o, m.id);
        return o;
    }
    json::object operator()(const remove_services& m) const {
        json::object o{{"cmd", cmd::remove_services}};
        if (m.service) {
            o["service"] = *m.service;
        }
        put_id(o, m.id);
        return o;
    }
    json::object operator()(const removed& m) const {
        json::array names;
        for (const auto& n : m.services) {
            names.emplace_back(n);
        }
        json::object o{{"cmd", cmd::removed}, {"services", std::move(names)}};
        put_id(o, m.id);
        return o;
    }
    json::object operator()(const discover& m) const { return query(cmd::discover, m.query, m.id); }
    json::object operator()(const discover_result& m) const {
        json::object o{{"cmd", cmd::discover_result},
                       {"service", m.service},
                       {"instances", instances(m.instances)}};
        if (!m.code.empty()) {
            o["code"] = m.code;
            o["message"] = m.message;
        }
        put_id(o, m.id);
        return o;
    }
    json::object operator()(const subscribe& m) const {
        return query(cmd::subscribe, m.query, m.id);
    }
    json::object operator()(const unsubscribe& m) const {
        return {{"cmd", cmd::unsubscribe}, {"service", m.service}};
    }
    json::object operator()(const service_update& m) const {
        json::object o{{"cmd", cmd::service_update}, {"service", m.service}, {"change", m.change}};
        if (m.change == update_change::snapshot || m.change == update_change::registered) {
            o["instances"] = instances(m.instances);
        }
        if (!m.master.empty()) {
            o["master"] = m.master;
        }
        if (!m.reason.empty()) {
            o["reason"] = m.reason;
        }
        if (!m.code.empty()) {
            o["code"] = m.code;
            o["message"] = m.message;
        }
        put_id(o, m.id);
        return o;
    }
    json::object operator()(const center_list& m) const {
        json::array list;
        for (const auto& url : m.centers) {
            list.emplace_back(url);
        }
        return {{"cmd", cmd::centers}, {"centers", std::move(list)}};
    }
    json::object operator()(const going_away& m) const {
        // Milliseconds are precision enough, and keep the number short.
        return {{"cmd", cmd::going_away},
                {"reconnect_after", std::round(m.reconnect_after * 1000) / 1000}};
    }
    json::object operator()(const unknown& m) const {
        json::object o = m.body;
        o["cmd"] = m.cmd;
        return o;
    }
};

struct namer {
    std::string_view operator()(const auth&) const { return cmd::auth; }
    std::string_view operator()(const auth_success&) const { return cmd::auth_success; }
    std::string_view operator()(const auth_failed&) const { return cmd::auth_failed; }
    std::string_view operator()(const ping&) const { return cmd::ping; }
    std::string_view operator()(const pong&) const { return cmd::pong; }
    std::string_view operator()(const leave&) const { return cmd::leave; }
    std::string_view operator()(const error&) const { return cmd::error; }
    std::string_view operator()(const actions_update&) const { return cmd::actions; }
    std::string_view operator()(const stream_open&) const { return cmd::stream_open; }
    std::string_view operator()(const stream_credit&) const { return cmd::stream_credit; }
    std::string_view operator()(const stream_end&) const { return cmd::stream_end; }
    std::string_view operator()(const stream_error&) const { return cmd::stream_error; }
    std::string_view operator()(const stream_close&) const { return cmd::stream_close; }
    std::string_view operator()(const register_services&) const { return cmd::register_services; }
    std::string_view operator()(const registered&) const { return cmd::registered; }
    std::string_view operator()(const remove_services&) const { return cmd::remove_services; }
    std::string_view operator()(const removed&) const { return cmd::removed; }
    std::string_view operator()(const discover&) const { return cmd::discover; }
    std::string_view operator()(const discover_result&) const { return cmd::discover_result; }
    std::string_view operator()(const subscribe&) const { return cmd::subscribe; }
    std::string_view operator()(const unsubscribe&) const { return cmd::unsubscribe; }
    std::string_view operator()(const service_update&) const { return cmd::service_update; }
    std::string_view operator()(const center_list&) const { return cmd::centers; }
    std::string_view operator()(const going_away&) const { return cmd::going_away; }
    std::string_view operator()(const unknown& m) const { return m.cmd; }
};

// The messages every call and fan-out target sends, written straight into their text instead
// of through a json::object: same members, same order, same escaping as the encoder above.
class direct_writer {
  public:
    std::string text;

    void key(std::string_view name) {
        if (text.empty()) {
            text += '{';
        }
        append_json_key(text, name);
    }
    void string(std::string_view value) { append_json_string(text, value); }
    void number(std::uint64_t value) { append_json_number(text, value); }
    std::string close() {
        text += '}';
        return std::move(text);
    }
};

struct direct_encoder {
    std::optional<std::string> operator()(const stream_open& m) const {
        direct_writer w;
        w.text.reserve(64 + m.action.size() + (m.input ? m.input->size() : 0));
        w.key("cmd");
        w.string(cmd::stream_open);
        w.key("stream");
        w.number(m.stream);
        w.key("action");
        w.string(m.action);
        w.key("args");
        if (m.args.is_null()) {
            w.text += "null";
        } else {
            w.text += json::serialize(m.args);
        }
        if (m.input) {
            w.key("input");
            w.string(*m.input);
        }
        if (m.end) {
            w.key("end");
            w.text += "true";
        }
        return w.close();
    }
    std::optional<std::string> operator()(const stream_credit& m) const {
        direct_writer w;
        w.key("cmd");
        w.string(cmd::stream_credit);
        w.key("stream");
        w.number(m.stream);
        w.key("bytes");
        w.number(m.bytes);
        return w.close();
    }
    std::optional<std::string> operator()(const stream_end& m) const {
        direct_writer w;
        w.key("cmd");
        w.string(cmd::stream_end);
        w.key("stream");
        w.number(m.stream);
        return w.close();
    }
    template <class Other>
    std::optional<std::string> operator()(const Other&) const {
        return std::nullopt;
    }
};

}  // namespace

std::string encode(const message& m) {
    if (std::optional<std::string> text = std::visit(direct_encoder{}, m)) {
        return std::move(*text);
    }
    return json::serialize(std::visit(encoder{}, m));
}

std::string_view command_name(const message& m) {
    return std::visit(namer{}, m);
}

}  // namespace regcenter::proto
