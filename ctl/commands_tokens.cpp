// tokens list | add TOKEN | remove FINGERPRINT: the tokens masters authenticate with.
#include <iostream>
#include <iterator>

#include <boost/json.hpp>

#include "command.hpp"
#include "display.hpp"
#include "json_fields.hpp"
#include "table.hpp"
#include "url.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

// "-" reads the token from stdin, keeping it out of the shell history and of `ps`.
std::string token_argument(const std::string& arg) {
    if (arg != "-") {
        return arg;
    }
    std::string token{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
        token.pop_back();
    }
    if (token.empty()) {
        throw usage_error("tokens add -: stdin held no token", "tokens");
    }
    return token;
}

int list(command_context& ctx) {
    const std::string target = "/v1/tokens";
    const auto answer = ctx.get_for_display(target);
    if (!answer) {
        return exit_ok;  // --json printed it
    }
    const json::value& body = *answer;
    const json::array& tokens = array_field(as_object(body), "tokens");
    if (tokens.empty()) {
        ctx.err << "regcenterctl: no master token is configured: no master can authenticate\n";
        return exit_ok;
    }
    table t({"FINGERPRINT"});
    for (const auto& entry : tokens) {
        t.add_row({printable(string_field(as_object(entry), "fingerprint"))});
    }
    ctx.out << t.render();
    return exit_ok;
}

int add(command_context& ctx) {
    const std::string token = token_argument(ctx.args.positionals.at(1));
    const json::value body = ctx.client().call(http::verb::post, "/v1/tokens",
                                               json::object{{"token", token}}, {200, 201});
    const json::object& answer = as_object(body);
    const json::value* added = answer.if_contains("added");
    const bool was_added = added == nullptr || !added->is_bool() || added->get_bool();
    ctx.out << (was_added ? "added " : "already present: ")
            << printable(string_field(answer, "fingerprint")) << "\n";
    return exit_ok;
}

int remove(command_context& ctx) {
    const std::string& fingerprint = ctx.args.positionals.at(1);
    ctx.client().call(http::verb::delete_, "/v1/tokens/" + encode_path_segment(fingerprint),
                      std::nullopt, {200, 204});
    ctx.out << "removed " << printable(fingerprint) << "\n";
    return exit_ok;
}

int tokens(command_context& ctx) {
    const auto& p = ctx.args.positionals;
    const std::string sub = p.empty() ? "list" : p.front();
    const auto expect = [&](std::size_t n, const char* usage) {
        if (p.size() != n) {
            throw usage_error(std::string("usage is regcenterctl ") + usage, "tokens");
        }
    };
    if (sub == "list") {
        expect(p.empty() ? 0 : 1, "tokens list [--json]");
        return list(ctx);
    }
    if (sub == "add") {
        expect(2, "tokens add TOKEN");
        return add(ctx);
    }
    if (sub == "remove") {
        expect(2, "tokens remove FINGERPRINT");
        return remove(ctx);
    }
    throw usage_error("unknown tokens subcommand \"" + sub + "\" (expected list, add or remove)",
                      "tokens");
}

}  // namespace

command tokens_command() {
    return {
        "tokens",
        "tokens list [--json] | tokens add TOKEN | tokens remove FINGERPRINT",
        "list, add or remove the tokens masters authenticate with",
        "Master tokens are secrets: the daemon shows them only by fingerprint (\"sha256:\" and\n"
        "16 hex digits of their SHA-256).\n"
        "  tokens list            the fingerprints (--json: the API's answer as is)\n"
        "  tokens add TOKEN       allow a token; TOKEN \"-\" reads it from stdin, which keeps it\n"
        "                         out of the shell history and the process list\n"
        "  tokens remove FP       refuse the token with fingerprint FP from now on\n"
        "Changing tokens never disconnects a live master. Changes last until the daemon\n"
        "restarts or reloads (SIGHUP), which read the config file again: put lasting\n"
        "changes in the file too. Exits 1 when no token has the fingerprint to remove.\n",
        {{"json", "", "with list: print the API's JSON answer as is"}},
        "SUBCOMMAND",
        0,
        2,
        tokens};
}

}  // namespace regcenter::ctl
