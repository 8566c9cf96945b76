// GNU-style flag parsing with messages naming the flag and the command.
#include "command_line.hpp"

#include "exit_codes.hpp"

namespace regcenter::ctl {

std::optional<std::string> parsed_args::value(std::string_view flag) const {
    const auto it = flags_.find(flag);
    if (it == flags_.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second.back();
}

std::vector<std::string> parsed_args::values(std::string_view flag) const {
    const auto it = flags_.find(flag);
    return it == flags_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

bool is_flag(std::string_view token) {
    return token.size() > 1 && token.front() == '-';
}

}  // namespace

parsed_args parse_command_line(const std::vector<std::string>& args,
                               std::span<const flag_spec> global, command_flags_lookup lookup) {
    parsed_args out;
    const std::vector<flag_spec>* own = nullptr;
    bool unknown_command = false;
    bool only_positionals = false;

    // Global flags first, then the command's own.
    const auto find = [&](auto&& matches) -> const flag_spec* {
        for (const flag_spec& f : global) {
            if (matches(f)) {
                return &f;
            }
        }
        if (own != nullptr) {
            for (const flag_spec& f : *own) {
                if (matches(f)) {
                    return &f;
                }
            }
        }
        return nullptr;
    };

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& token = args[i];
        if (only_positionals || !is_flag(token)) {
            if (out.command.empty() && !only_positionals) {
                out.command = token;
                own = lookup(token);
                unknown_command = own == nullptr;
            } else {
                out.positionals.push_back(token);
            }
            continue;
        }
        if (token == "--") {
            only_positionals = true;
            continue;
        }

        const flag_spec* spec = nullptr;
        std::string shown;
        std::optional<std::string> inline_value;
        if (token.starts_with("--")) {
            const auto eq = token.find('=');
            const std::string name = token.substr(2, eq == std::string::npos ? eq : eq - 2);
            if (eq != std::string::npos) {
                inline_value = token.substr(eq + 1);
            }
            shown = "--" + name;
            spec = find([&](const flag_spec& f) { return f.name == name; });
        } else if (token.size() == 2) {
            shown = token;
            spec = find([&](const flag_spec& f) { return f.short_name == token[1]; });
        } else {
            shown = token;
        }
        if (spec == nullptr) {
            if (unknown_command) {
                continue;  // reported below, unless --help asks for the overview
            }
            if (out.command.empty()) {
                throw usage_error("unknown option " + shown +
                                  " (a command's own options come after the command)");
            }
            throw usage_error("unknown option " + shown + " for \"" + out.command + "\"",
                              out.command);
        }
        std::string value;
        if (spec->takes_value()) {
            if (inline_value) {
                value = *inline_value;
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                throw usage_error("--" + spec->name + " needs a value (" + spec->value_name + ")",
                                  out.command);
            }
        } else if (inline_value) {
            throw usage_error("--" + spec->name + " takes no value", out.command);
        }
        if (!spec->repeatable && out.has(spec->name)) {
            throw usage_error("--" + spec->name + " given more than once", out.command);
        }
        out.add(spec->name, std::move(value));
    }
    if (unknown_command && !out.has("help")) {
        throw usage_error("unknown command \"" + out.command + "\"");
    }
    return out;
}

}  // namespace regcenter::ctl
