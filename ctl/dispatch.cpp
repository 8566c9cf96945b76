// The command table, help texts, and the one place failures become exit codes.
#include "dispatch.hpp"

#include <algorithm>

#include "command.hpp"
#include "display.hpp"
#include "exit_codes.hpp"

#ifndef REGCENTER_VERSION
#define REGCENTER_VERSION "unknown"
#endif

namespace regcenter::ctl {

const std::vector<flag_spec>& global_flags() {
    static const std::vector<flag_spec> flags = {
        {"addr", "HOST:PORT", "admin API of regcenterd (else REGCENTER_ADDR, admin.listen)"},
        {"token", "TOKEN", "admin token (else REGCENTER_TOKEN, admin.token)"},
        {"token-file", "PATH", "read the admin token from a file"},
        {"config", "PATH", "the daemon's config file to read admin.listen and admin.token from"},
        {"verbose", "", "say where the address and token came from, and log each request", false,
         'v'},
        {"help", "", "show help", false, 'h'},
        {"version", "", "print the version"},
    };
    return flags;
}

const std::vector<command>& all_commands() {
    static const std::vector<command> commands = {
        masters_command(), master_command(), kick_command(),   run_command(),
        stream_command(),  jobs_command(),   tokens_command(), services_command(),
        service_command(), watch_command(),
    };
    return commands;
}

const command* find_command(std::string_view name) {
    const auto& commands = all_commands();
    const auto it = std::find_if(commands.begin(), commands.end(),
                                 [&](const command& c) { return c.name == name; });
    return it == commands.end() ? nullptr : &*it;
}

namespace {

const std::vector<flag_spec>* flags_of(std::string_view name) {
    static const std::vector<flag_spec> none;
    if (name == "help") {
        return &none;
    }
    const command* c = find_command(name);
    return c == nullptr ? nullptr : &c->flags;
}

std::string flag_lines(const std::vector<flag_spec>& flags) {
    std::vector<std::pair<std::string, std::string>> lines;
    std::size_t width = 0;
    for (const auto& f : flags) {
        std::string left = "  ";
        left += f.short_name != 0 ? std::string("-") + f.short_name + ", " : "";
        left += "--" + f.name;
        if (f.takes_value()) {
            left += " " + f.value_name;
        }
        width = std::max(width, left.size());
        lines.emplace_back(std::move(left), f.help + (f.repeatable ? " (repeatable)" : ""));
    }
    std::string out;
    for (const auto& [left, help] : lines) {
        out += left + std::string(width - left.size() + 2, ' ') + help + "\n";
    }
    return out;
}

constexpr const char* exit_codes_text =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the operation failed: a target of `run` failed, a master or job was not found,\n"
    "     the daemon refused the request, a stream ended with an error\n"
    "  2  usage error: bad command line, or no admin address or token could be found\n"
    "  3  regcenterd can't be reached, or it rejected the admin token\n";

constexpr const char* resolution_text =
    "The admin address comes from --addr, else REGCENTER_ADDR, else admin.listen in the\n"
    "daemon's config file, else 127.0.0.1:8011; the token from --token or --token-file, else\n"
    "REGCENTER_TOKEN, else admin.token in the config file. The config file is --config, else\n"
    "REGCENTER_CONFIG, else /etc/regcenter/regcenterd.yaml if it exists. A listen address of\n"
    "0.0.0.0 or [::] is reached on 127.0.0.1 or [::1].\n";

}  // namespace

std::string overview_help() {
    std::string out =
        "regcenterctl: operate a regcenter center (regcenterd) through its admin API.\n\n"
        "Usage: regcenterctl COMMAND [ARGUMENTS] [OPTIONS]\n\nCommands:\n";
    std::size_t width = 0;
    for (const auto& c : all_commands()) {
        width = std::max(width, c.name.size());
    }
    for (const auto& c : all_commands()) {
        out += "  " + c.name + std::string(width - c.name.size() + 3, ' ') + c.summary + "\n";
    }
    out += "\nOptions (with any command, before or after it):\n";
    out += flag_lines(global_flags());
    out += "\n";
    out += resolution_text;
    out += "\n`regcenterctl COMMAND --help` describes a command and its options.\n\n";
    out += exit_codes_text;
    return out;
}

std::string command_help(std::string_view name) {
    const command* c = find_command(name);
    if (c == nullptr) {
        return overview_help();
    }
    std::string out = "Usage: regcenterctl " + c->usage + "\n\n" + c->details + "\n";
    if (!c->flags.empty()) {
        out += "Options:\n" + flag_lines(c->flags) + "\n";
    }
    out += "Connection options:\n" + flag_lines(global_flags()) + "\n";
    out += resolution_text;
    out += "\n";
    out += exit_codes_text;
    return out;
}

command_context::command_context(const parsed_args& a, resolve_environment env, std::ostream& o,
                                 std::ostream& e, bool progress)
    : args(a), out(o), err(e), progress_terminal(progress), env_(std::move(env)) {}

const connection_settings& command_context::settings() {
    if (!settings_) {
        connection_flags flags;
        flags.addr = args.value("addr");
        flags.token = args.value("token");
        flags.token_file = args.value("token-file");
        flags.config = args.value("config");
        settings_ = std::make_unique<connection_settings>(resolve_connection(flags, env_));
        if (verbose()) {
            err << "regcenterctl: admin API " << settings_->address << " (from "
                << settings_->address_source << "), token from " << settings_->token_source << "\n";
        }
    }
    return *settings_;
}

admin_client& command_context::client() {
    if (!client_) {
        client_ = std::make_unique<admin_client>(settings(), verbose() ? &err : nullptr);
    }
    return *client_;
}

std::optional<boost::json::value> command_context::get_for_display(const std::string& target) {
    const auto r = client().send(http::verb::get, target);
    if (r.status != 200) {
        throw client().api_failure(http::verb::get, target, r);
    }
    if (args.has("json")) {
        print_raw_json(out, r.body);
        return std::nullopt;
    }
    return client().parse(http::verb::get, target, r);
}

int run_ctl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            resolve_environment env, bool progress_terminal) {
    try {
        const parsed_args parsed = parse_command_line(args, global_flags(), flags_of);
        if (parsed.has("version")) {
            out << "regcenterctl " << REGCENTER_VERSION << "\n";
            return exit_ok;
        }
        if (parsed.command == "help") {
            out << (parsed.positionals.empty() ? overview_help()
                                               : command_help(parsed.positionals.front()));
            return exit_ok;
        }
        if (parsed.has("help")) {
            out << (parsed.command.empty() ? overview_help() : command_help(parsed.command));
            return exit_ok;
        }
        if (parsed.command.empty()) {
            throw usage_error("no command given");
        }
        const command* c = find_command(parsed.command);
        const std::size_t n = parsed.positionals.size();
        if (n < c->min_positionals || n > c->max_positionals) {
            throw usage_error(
                n < c->min_positionals
                    ? "missing " + c->arguments
                    : "unexpected argument \"" + parsed.positionals[c->max_positionals] + "\"",
                c->name);
        }
        command_context ctx(parsed, std::move(env), out, err, progress_terminal);
        const int code = c->run(ctx);
        out.flush();
        return code;
    } catch (const ctl_error& e) {
        out.flush();
        err << "regcenterctl: " << e.what() << "\n";
        return e.code();
    }
}

}  // namespace regcenter::ctl
