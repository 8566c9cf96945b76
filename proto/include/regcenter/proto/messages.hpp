// Messages of wire protocol v1 as C++ values, and the codec that maps them to and from frames.
//
// The codec does no I/O: the daemon, the SDK and the tests all call decode() on every text frame
// they receive and encode() on every message they send, so the three can never disagree.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace regcenter::proto {

/// Labels a master attaches to itself, e.g. {"zone":"eu-1"}; sorted so output is stable.
using label_map = std::map<std::string, std::string, std::less<>>;

/// One service instance as a master registers it (services.md section 1). A master has at most
/// one per name.
struct service_info {
    std::string name;
    std::string version;                 ///< free text, may be empty
    std::vector<std::string> endpoints;  ///< e.g. "http://10.0.0.7:8080", as the master says
    label_map metadata;                  ///< string keys and values, filterable
    friend bool operator==(const service_info&, const service_info&) = default;
};

/// A named action a master offers (actions.md A.1).
struct action_info {
    std::string name;
    std::string description;                         ///< empty when not given
    std::optional<boost::json::object> args_schema;  ///< shown to operators, not enforced
    friend bool operator==(const action_info&, const action_info&) = default;
};

/// Identifies a stream within one connection; chosen by the center, never 0, never reused.
using stream_id = std::uint32_t;

/// master → center: the first message of a session.
struct auth {
    std::string token;                ///< empty when the field is missing (then auth fails)
    std::optional<std::string> name;  ///< a human name; the SDK sends the host name
    label_map labels;
    /// Present (even empty) when the master speaks actions.md; absent for older masters.
    std::optional<std::vector<action_info>> actions = std::nullopt;
    /// Services to register with the session (services.md), validated like "register".
    std::vector<boost::json::value> services = {};
    /// "centers": true asks the center for {"cmd":"centers"} after auth (services.md section 7);
    /// masters that don't ask never get a command they may not know.
    bool wants_centers = false;
    /// "going_away": true asks for {"cmd":"going-away"} before a shutdown close (protocol.md
    /// section 7.2), so the master comes back when the center says rather than at once.
    bool wants_going_away = false;
    /// "inline_input": true says the master takes a stream-open that carries its input and end
    /// (actions.md A.2), so that a small call is one frame instead of three.
    bool wants_inline_input = false;
    friend bool operator==(const auth&, const auth&) = default;
};

/// master → center: replaces the master's whole list of actions.
struct actions_update {
    std::vector<action_info> actions;
    friend bool operator==(const actions_update&, const actions_update&) = default;
};

/// center → master: run `action` with `args` on a new stream.
struct stream_open {
    stream_id stream = 0;
    std::string action;
    boost::json::value args;
    /// The center's first data, inline (actions.md A.2 "Opening with input"): as if a data frame
    /// with these bytes followed. Only to masters that asked with "inline_input" in auth.
    std::optional<std::string> input = std::nullopt;
    /// The center's direction ends with the open, as if stream-end followed the input.
    bool end = false;
    friend bool operator==(const stream_open&, const stream_open&) = default;
};

/// Either way: the sender consumed `bytes` more of the stream; the peer may send that many more.
struct stream_credit {
    stream_id stream = 0;
    std::uint64_t bytes = 0;
    friend bool operator==(const stream_credit&, const stream_credit&) = default;
};

/// Either way: half-close, the sender sends no more data on the stream.
struct stream_end {
    stream_id stream = 0;
    friend bool operator==(const stream_end&, const stream_end&) = default;
};

/// Either way: the stream failed and is over in both directions.
struct stream_error {
    stream_id stream = 0;
    std::string code;  ///< see protocol.hpp stream_error_code
    std::string message;
    friend bool operator==(const stream_error&, const stream_error&) = default;
};

/// Either way: abort without error; the stream is over in both directions.
struct stream_close {
    stream_id stream = 0;
    friend bool operator==(const stream_close&, const stream_close&) = default;
};

/// center → master: the session is authenticated.
struct auth_success {
    std::string message;
    std::string session;    ///< 32 lowercase hex digits (128 random bits)
    double heartbeat = 20;  ///< ping interval in seconds, fractional below one second
    friend bool operator==(const auth_success&, const auth_success&) = default;
};

/// center → master: the token was wrong or missing, or a command came before auth.
struct auth_failed {
    std::string message;
    friend bool operator==(const auth_failed&, const auth_failed&) = default;
};

/// Either side: an application-level ping for peers that can't see WebSocket control frames.
struct ping {
    friend bool operator==(const ping&, const ping&) = default;
};

/// The answer to ping.
struct pong {
    friend bool operator==(const pong&, const pong&) = default;
};

/// master → center: "I am going away on purpose"; the center removes the session at once.
struct leave {
    friend bool operator==(const leave&, const leave&) = default;
};

/// center → master: a request could not be served; the connection stays usable.
struct error {
    std::string code;  ///< see protocol.hpp error_code
    std::string message;
    friend bool operator==(const error&, const error&) = default;
};

/// master → center: adds or replaces services by name (services.md). Entries stay raw JSON
/// here: each is validated on its own (service.hpp parse_service), so one bad entry is refused
/// without losing the others.
struct register_services {
    std::vector<boost::json::value> services;
    boost::json::value id;  ///< echoed in the answer when not null
    friend bool operator==(const register_services&, const register_services&) = default;
};

/// One entry's outcome in "registered".
struct service_result {
    std::string name;
    bool ok = true;
    std::string code;  ///< service_error_code when !ok
    std::string message;
    friend bool operator==(const service_result&, const service_result&) = default;
};

/// center → master: the answer to register, one result per entry in order.
struct registered {
    std::vector<service_result> results;
    boost::json::value id;
    friend bool operator==(const registered&, const registered&) = default;
};

/// master → center: removes one service, or all of the session's without a name.
struct remove_services {
    std::optional<std::string> service;
    boost::json::value id;
    friend bool operator==(const remove_services&, const remove_services&) = default;
};

/// center → master: the answer to remove: the names that were removed (none if unknown).
struct removed {
    std::vector<std::string> services;
    boost::json::value id;
    friend bool operator==(const removed&, const removed&) = default;
};

/// A registered instance as discovery reports it: the service and the master hosting it.
struct service_instance {
    std::string master;  ///< the hosting session's id on the answering center
    std::string master_name;
    std::string remote;  ///< the master's address as the center sees it
    label_map labels;    ///< the master's labels
    service_info service;
    friend bool operator==(const service_instance&, const service_instance&) = default;
};

/// What discover and subscribe ask for: the instances of one service whose metadata and whose
/// master's labels include every given pair (empty maps: all instances).
struct service_query {
    std::string service;
    label_map metadata;
    label_map labels;
    friend bool operator==(const service_query&, const service_query&) = default;
};

/// master → center: the instances of a service now (services.md section 5).
struct discover {
    service_query query;
    boost::json::value id;
    friend bool operator==(const discover&, const discover&) = default;
};

/// center → master: the answer to discover; `code` is empty unless the query was refused.
struct discover_result {
    std::string service;
    std::vector<service_instance> instances = {};
    std::string code = {};  ///< service_error_code when refused
    std::string message = {};
    boost::json::value id = nullptr;
    friend bool operator==(const discover_result&, const discover_result&) = default;
};

/// master → center: the instances of a service now and every change to them from now on, as
/// service-update messages, until unsubscribe or the session's end (services.md section 6).
/// One subscription per service name and session: subscribing again replaces the filters.
struct subscribe {
    service_query query;
    boost::json::value id;
    friend bool operator==(const subscribe&, const subscribe&) = default;
};

/// master → center: ends the subscription to a service; not answered.
struct unsubscribe {
    std::string service;
    friend bool operator==(const unsubscribe&, const unsubscribe&) = default;
};

/// center → master: the state of a subscription (`change` is one of protocol.hpp
/// update_change): the snapshot that answers subscribe, an instance registered or replaced, an
/// instance removed, or the refusal of the subscribe.
struct service_update {
    std::string service;
    std::string change;
    std::vector<service_instance> instances = {};  ///< snapshot: all that match; registered: one
    std::string master = {};                       ///< removed: whose instance
    std::string reason = {};   ///< removed: "removed", the session's end reason, or "unmatched"
    std::string code = {};     ///< refused: service_error_code
    std::string message = {};  ///< refused: why
    boost::json::value id = nullptr;  ///< snapshot and refused: the subscribe's id
    friend bool operator==(const service_update&, const service_update&) = default;
};

/// center → master, after auth-success: the other centers of the cluster, as ws:// URLs, so
/// that the master connects to each of them too (services.md section 7).
struct center_list {
    std::vector<std::string> centers;
    friend bool operator==(const center_list&, const center_list&) = default;
};

/// center → master, right before it closes the session with 1001 because it shuts down: come
/// back after `reconnect_after` seconds. The center draws the delay at random within its
/// shutdown.reconnect_window for each master, so a restart doesn't bring the fleet back in one
/// burst.
struct going_away {
    double reconnect_after = 0;
    friend bool operator==(const going_away&, const going_away&) = default;
};

/// A well-formed message whose cmd this codec doesn't know; kept whole so callers can answer it
/// ("unknown-command") or hand it to an application callback.
struct unknown {
    std::string cmd;
    boost::json::object body;
    friend bool operator==(const unknown&, const unknown&) = default;
};

using message =
    std::variant<auth, auth_success, auth_failed, ping, pong, leave, error, actions_update,
                 stream_open, stream_credit, stream_end, stream_error, stream_close,
                 register_services, registered, remove_services, removed, discover, discover_result,
                 subscribe, unsubscribe, service_update, center_list, going_away, unknown>;

/// Why a frame is not a valid message; `what` is meant for the peer's "bad-request" error.
struct decode_error {
    std::string what;
};

/// The outcome of decode(): a message, or the reason there is none.
class decode_result {
  public:
    decode_result(message m) : value_(std::move(m)) {}
    decode_result(decode_error e) : value_(std::move(e)) {}

    explicit operator bool() const { return std::holds_alternative<message>(value_); }
    const message& value() const { return std::get<message>(value_); }
    message& value() { return std::get<message>(value_); }
    const decode_error& error() const { return std::get<decode_error>(value_); }

  private:
    std::variant<message, decode_error> value_;
};

/// Parses one text frame. Never throws for bad input: a frame that isn't a JSON object, lacks a
/// string "cmd", has a field of the wrong type or breaks a limit yields a decode_error. Fields the
/// codec doesn't know are ignored, so newer peers can add fields without breaking older ones.
decode_result decode(std::string_view frame);

/// Serializes a message to one text frame.
std::string encode(const message& m);

/// The "cmd" value of a message.
std::string_view command_name(const message& m);

}  // namespace regcenter::proto
