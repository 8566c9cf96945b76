// regcenterctl's command line: flags anywhere, per-command flags, usage errors with exit 2, and
// --help for every command. No daemon needed.
#include <sstream>

#include <gtest/gtest.h>

#include "command.hpp"
#include "command_line.hpp"
#include "dispatch.hpp"
#include "exit_codes.hpp"

namespace regcenter::ctl {
namespace {

const std::vector<flag_spec>* lookup(std::string_view name) {
    const command* c = find_command(name);
    return c == nullptr ? nullptr : &c->flags;
}

parsed_args parse(std::vector<std::string> args) {
    return parse_command_line(args, global_flags(), lookup);
}

// The message of the usage error parsing `args` throws.
std::string usage_message(std::vector<std::string> args) {
    try {
        parse(std::move(args));
    } catch (const ctl_error& e) {
        EXPECT_EQ(e.code(), exit_usage);
        return e.what();
    }
    ADD_FAILURE() << "no usage error";
    return "";
}

TEST(command_line, connection_flags_go_before_or_after_the_command) {
    auto a = parse({"--addr", "127.0.0.1:1", "run", "echo", "--token=t", "--all", "--label", "a=1",
                    "--label", "b=2", "-v"});
    EXPECT_EQ(a.command, "run");
    EXPECT_EQ(a.positionals, std::vector<std::string>{"echo"});
    EXPECT_EQ(a.value("addr"), "127.0.0.1:1");
    EXPECT_EQ(a.value("token"), "t");
    EXPECT_TRUE(a.has("all"));
    EXPECT_TRUE(a.has("verbose"));
    EXPECT_EQ(a.values("label"), (std::vector<std::string>{"a=1", "b=2"}));
    EXPECT_FALSE(a.has("json"));
}

TEST(command_line, values_may_start_with_a_dash_and_double_dash_ends_flags) {
    auto a = parse({"run", "sum", "--all", "--input", "-1 -2", "--args", "-3"});
    EXPECT_EQ(a.value("input"), "-1 -2");
    EXPECT_EQ(a.value("args"), "-3");
    a = parse({"master", "--", "--odd-id"});
    EXPECT_EQ(a.positionals, std::vector<std::string>{"--odd-id"});
}

TEST(command_line, mistakes_are_usage_errors_naming_the_flag_and_command) {
    EXPECT_NE(usage_message({"run", "echo", "--bogus"}).find("unknown option --bogus for \"run\""),
              std::string::npos);
    EXPECT_NE(usage_message({"run", "echo", "--bogus"}).find("regcenterctl run --help"),
              std::string::npos);
    EXPECT_NE(usage_message({"masters", "--all"}).find("--all"), std::string::npos);
    EXPECT_NE(usage_message({"--json", "masters"}).find("come after the command"),
              std::string::npos);
    EXPECT_NE(usage_message({"run", "echo", "--timeout"}).find("--timeout needs a value"),
              std::string::npos);
    EXPECT_NE(usage_message({"masters", "--json=yes"}).find("--json takes no value"),
              std::string::npos);
    EXPECT_NE(usage_message({"run", "e", "--name", "a", "--name", "b"}).find("more than once"),
              std::string::npos);
    EXPECT_NE(usage_message({"frobnicate"}).find("unknown command \"frobnicate\""),
              std::string::npos);
}

TEST(command_line, help_always_answers) {
    EXPECT_TRUE(parse({"frobnicate", "--help"}).has("help"));
    EXPECT_TRUE(parse({"run", "-h"}).has("help"));
}

struct dispatch_result {
    int status;
    std::string out;
    std::string err;
};

dispatch_result dispatch(std::vector<std::string> args) {
    std::ostringstream out;
    std::ostringstream err;
    resolve_environment env;
    env.getenv = [](std::string_view) { return std::nullopt; };
    env.default_config.clear();
    const int status = run_ctl(args, out, err, env, false);
    return {status, out.str(), err.str()};
}

TEST(dispatch, help_lists_commands_connection_options_and_exit_codes) {
    const auto r = dispatch({"--help"});
    EXPECT_EQ(r.status, 0);
    for (const auto& c : all_commands()) {
        EXPECT_NE(r.out.find("  " + c.name + " "), std::string::npos) << c.name;
    }
    for (const char* text : {"--addr", "--token-file", "REGCENTER_ADDR", "REGCENTER_CONFIG",
                             "/etc/regcenter/regcenterd.yaml", "Exit codes", "  3  "}) {
        EXPECT_NE(r.out.find(text), std::string::npos) << text;
    }
}

TEST(dispatch, every_command_has_help_with_its_options_and_exit_codes) {
    for (const auto& c : all_commands()) {
        for (const auto& form : {std::vector<std::string>{c.name, "--help"},
                                 std::vector<std::string>{"help", c.name}}) {
            const auto r = dispatch(form);
            EXPECT_EQ(r.status, 0) << c.name;
            EXPECT_NE(r.out.find("Usage: regcenterctl " + c.name), std::string::npos) << r.out;
            EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << c.name;
            for (const auto& f : c.flags) {
                EXPECT_NE(r.out.find("--" + f.name), std::string::npos) << c.name << " " << f.name;
            }
        }
    }
}

TEST(dispatch, usage_errors_exit_2_with_a_message_before_any_connection) {
    auto r = dispatch({});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("regcenterctl: no command given"), std::string::npos) << r.err;

    r = dispatch({"master"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("missing ID"), std::string::npos) << r.err;

    r = dispatch({"masters", "extra"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("unexpected argument \"extra\""), std::string::npos) << r.err;

    // Checked before the token is looked for: no token is configured in this environment.
    r = dispatch({"run", "echo"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("--master ID, --all"), std::string::npos) << r.err;

    r = dispatch({"run", "echo", "--all", "--master", "x"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("--all can't be combined"), std::string::npos) << r.err;

    r = dispatch({"run", "echo", "--all", "--args", "hi"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("--args: not valid JSON"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'\"hi\"'"), std::string::npos) << r.err;

    r = dispatch({"run", "echo", "--all", "--timeout", "soon"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("--timeout: invalid duration \"soon\""), std::string::npos) << r.err;

    r = dispatch({"run", "echo", "--label", "novalue"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("KEY=VALUE"), std::string::npos) << r.err;

    r = dispatch({"stream", "cat"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("--master ID"), std::string::npos) << r.err;

    r = dispatch({"tokens", "rotate"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("list, add or remove"), std::string::npos) << r.err;

    r = dispatch({"masters"});
    EXPECT_EQ(r.status, exit_usage);
    EXPECT_NE(r.err.find("no admin token"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace regcenter::ctl
