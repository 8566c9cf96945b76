// services, service NAME: what the masters have registered (proto-spec/services.md).
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

std::string list_text(const json::array& list) {
    std::string out;
    for (const auto& entry : list) {
        if (!out.empty()) {
            out += ",";
        }
        out += entry.is_string() ? std::string(entry.get_string()) : "";
    }
    return printable(out);
}

// --meta KEY=VALUE and --label KEY=VALUE as the query "meta.KEY=VALUE&label.KEY=VALUE".
std::string filter_query(const parsed_args& args) {
    std::string query;
    for (const auto& [flag, prefix] : {std::pair{"meta", "meta."}, std::pair{"label", "label."}}) {
        for (const auto& pair : args.values(flag)) {
            const auto eq = pair.find('=');
            if (eq == std::string::npos || eq == 0) {
                throw usage_error(
                    std::string("--") + flag + ": expected KEY=VALUE, got \"" + pair + "\"",
                    "service");
            }
            query += query.empty() ? "?" : "&";
            query += prefix + encode_query_value(pair.substr(0, eq)) + "=" +
                     encode_query_value(pair.substr(eq + 1));
        }
    }
    return query;
}

int services(command_context& ctx) {
    const auto answer = ctx.get_for_display("/v1/services");
    if (!answer) {
        return exit_ok;  // --json printed it
    }
    const json::array& list = array_field(as_object(*answer), "services");
    if (list.empty()) {
        ctx.err << "regcenterctl: no master has registered a service\n";
        return exit_ok;
    }
    table t({"SERVICE", "INSTANCES"});
    for (const auto& entry : list) {
        const json::object& s = as_object(entry);
        t.add_row({printable(string_field(s, "name")), std::to_string(int_field(s, "instances"))});
    }
    ctx.out << t.render();
    return exit_ok;
}

int service(command_context& ctx) {
    const std::string& name = ctx.args.positionals.at(0);
    const auto answer =
        ctx.get_for_display("/v1/services/" + encode_path_segment(name) + filter_query(ctx.args));
    if (!answer) {
        return exit_ok;
    }
    const json::array& instances = array_field(as_object(*answer), "instances");
    if (instances.empty()) {
        ctx.err << "regcenterctl: no instance of " << printable(name)
                << " matches (`regcenterctl services` lists the registered services)\n";
        return exit_failed;
    }
    table t({"MASTER", "NAME", "VERSION", "ENDPOINTS", "METADATA", "LABELS"});
    for (const auto& entry : instances) {
        const json::object& i = as_object(entry);
        t.add_row({printable(string_field(i, "master")), printable(string_field(i, "master_name")),
                   printable(string_field(i, "version")), list_text(array_field(i, "endpoints")),
                   pairs_text(object_field(i, "metadata")), pairs_text(object_field(i, "labels"))});
    }
    ctx.out << t.render();
    return exit_ok;
}

}  // namespace

command services_command() {
    return {"services",
            "services [--json]",
            "list the registered services and their instance counts",
            "Lists every service name the connected masters have registered, with how many\n"
            "instances each has. With --json, prints the answer of GET /v1/services as is.\n",
            {json_flag},
            "",
            0,
            0,
            services};
}

command service_command() {
    return {"service",
            "service NAME [--meta KEY=VALUE]... [--label KEY=VALUE]... [--json]",
            "show the instances of one service, filtered by metadata and labels",
            "Shows the instances of service NAME: the master hosting each, its version,\n"
            "endpoints and metadata, and the master's labels. --meta keeps the instances whose\n"
            "metadata has KEY=VALUE, --label those whose master has that label; all given must\n"
            "match. Exits 1 when no instance matches. With --json, prints the answer of\n"
            "GET /v1/services/NAME as is.\n",
            {json_flag,
             {"meta", "KEY=VALUE", "keep instances with this metadata", true},
             {"label", "KEY=VALUE", "keep instances whose master has this label", true}},
            "NAME",
            1,
            1,
            service};
}

}  // namespace regcenter::ctl
