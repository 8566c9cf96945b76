// regcenterctl: the operator's command-line tool for regcenterd's admin API. Everything but
// process setup is in the regcenter_ctl library (dispatch.hpp), where tests can reach it.
#include <unistd.h>

#include <csignal>
#include <iostream>

#include "dispatch.hpp"

int main(int argc, char** argv) {
    // A closed stdout (`regcenterctl stream … | head`) must be an error we report, not a
    // silent SIGPIPE death in the middle of a write.
    std::signal(SIGPIPE, SIG_IGN);
    const std::vector<std::string> args(argv + 1, argv + argc);
    return regcenter::ctl::run_ctl(args, std::cout, std::cerr,
                                   regcenter::ctl::resolve_environment::system(),
                                   ::isatty(STDERR_FILENO) == 1);
}
