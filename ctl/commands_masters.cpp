// masters, master ID, kick ID: the registry of connected masters.
#include <boost/json.hpp>

#include "command.hpp"
#include "display.hpp"
#include "json_fields.hpp"
#include "table.hpp"
#include "url.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

const flag_spec json_flag{"json", "", "print the API's JSON answer as is, for scripts"};

std::string labels_text(const json::object& master) {
    return pairs_text(object_field(master, "labels"));
}

std::string actions_text(const json::object& master) {
    std::string out;
    for (const auto& action : array_field(master, "actions")) {
        if (!out.empty()) {
            out += ",";
        }
        out += string_field(as_object(action), "name");
    }
    return printable(out);
}

int masters(command_context& ctx) {
    const std::string target = "/v1/masters";
    const auto answer = ctx.get_for_display(target);
    if (!answer) {
        return exit_ok;  // --json printed it
    }
    const json::value& body = *answer;
    const json::array& list = array_field(as_object(body), "masters");
    if (list.empty()) {
        ctx.err << "regcenterctl: no master is connected\n";
        return exit_ok;
    }
    table t({"ID", "NAME", "REMOTE", "LABELS", "ACTIONS", "CONNECTED"});
    for (const auto& entry : list) {
        const json::object& m = as_object(entry);
        t.add_row({printable(string_field(m, "id")), printable(string_field(m, "name")),
                   printable(string_field(m, "remote")), labels_text(m), actions_text(m),
                   age_of(string_field(m, "connected_at"))});
    }
    ctx.out << t.render();
    return exit_ok;
}

int master(command_context& ctx) {
    const std::string target = "/v1/masters/" + encode_path_segment(ctx.args.positionals.at(0));
    const auto answer = ctx.get_for_display(target);
    if (!answer) {
        return exit_ok;  // --json printed it
    }
    const json::value& body = *answer;
    const json::object& m = as_object(body);
    const auto when = [&](const char* key) {
        const std::string at = string_field(m, key);
        return printable(at) + " (" + age_of(at) + ")";
    };
    std::string labels = labels_text(m);
    table details({"", ""});
    details.add_row({"ID:", printable(string_field(m, "id"))});
    details.add_row({"NAME:", printable(string_field(m, "name"))});
    details.add_row({"REMOTE:", printable(string_field(m, "remote"))});
    details.add_row({"LABELS:", labels.empty() ? "-" : labels});
    details.add_row({"CONNECTED:", when("connected_at")});
    details.add_row({"AUTHENTICATED:", when("authenticated_at")});
    details.add_row({"LAST SEEN:", when("last_seen_at")});
    // The empty header line of the two-column layout is dropped.
    const std::string rendered = details.render();
    ctx.out << rendered.substr(rendered.find('\n') + 1);

    const json::array& actions = array_field(m, "actions");
    if (actions.empty()) {
        ctx.out << "ACTIONS:        none\n";
        return exit_ok;
    }
    ctx.out << "ACTIONS:\n";
    table t({"  NAME", "DESCRIPTION", "ARGS"});
    for (const auto& entry : actions) {
        const json::object& a = as_object(entry);
        const json::value* schema = a.if_contains("args_schema");
        t.add_row(
            {"  " + printable(string_field(a, "name")), printable(string_field(a, "description")),
             schema != nullptr && !schema->is_null() ? printable(json::serialize(*schema)) : "-"});
    }
    ctx.out << t.render();
    return exit_ok;
}

int kick(command_context& ctx) {
    const std::string& id = ctx.args.positionals.at(0);
    ctx.client().call(http::verb::delete_, "/v1/masters/" + encode_path_segment(id), std::nullopt,
                      {200, 204});
    ctx.out << "kicked " << printable(id) << "\n";
    return exit_ok;
}

}  // namespace

command masters_command() {
    return {"masters",
            "masters [--json]",
            "list the connected masters",
            "Lists the authenticated masters, oldest connection first: session ID, name, remote\n"
            "address, labels, advertised actions, and how long ago each connected. With --json,\n"
            "prints the answer of GET /v1/masters as is.\n",
            {json_flag},
            "",
            0,
            0,
            masters};
}

command master_command() {
    return {"master",
            "master ID [--json]",
            "show one master: times, labels, actions and their arguments",
            "Shows one master by its session ID (from `regcenterctl masters`): remote address,\n"
            "labels, when it connected, authenticated and was last heard from, and its actions\n"
            "with their descriptions and argument schemas. With --json, prints the answer of\n"
            "GET /v1/masters/ID as is. Exits 1 if no connected master has that ID.\n",
            {json_flag},
            "ID",
            1,
            1,
            master};
}

command kick_command() {
    return {"kick",
            "kick ID",
            "disconnect a master (it does not reconnect by itself)",
            "Disconnects the master with session ID ID (close code 4001, \"kicked by operator\").\n"
            "An SDK master does not reconnect on its own after a kick; other clients may, so\n"
            "remove its token too (`regcenterctl tokens remove`) to keep it out. Exits 1 if no\n"
            "connected master has that ID.\n",
            {},
            "ID",
            1,
            1,
            kick};
}

}  // namespace regcenter::ctl
