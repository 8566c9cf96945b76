#include "operator_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "server_process.hpp"

namespace regcenter::bench {

boost::json::object run_operator(net::io_context& fleet, std::vector<std::string> argv,
                                 std::chrono::seconds limit) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        throw std::runtime_error("cannot create a pipe for the operator");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    const std::string what = argv.size() > 2 ? argv[1] + " " + argv[2] : argv.front();
    int pid = -1;
    try {
        pid = spawn(std::move(argv), actions);
    } catch (...) {
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[0]);
        ::close(out[1]);
        throw;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);

    // The fleet's context reads the pipe, so the masters are served until the operator ends.
    net::posix::stream_descriptor pipe(fleet, out[0]);
    std::string text;
    bool finished = false;
    net::async_read(pipe, net::dynamic_buffer(text),
                    [&](beast::error_code, std::size_t) { finished = true; });
    fleet.restart();
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!finished && std::chrono::steady_clock::now() < deadline) {
        fleet.run_for(std::chrono::milliseconds(50));
        fleet.restart();
    }
    if (!finished) {
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    pipe.close();
    fleet.restart();
    fleet.poll();  // the cancelled read's handler
    if (!finished) {
        throw std::runtime_error("operator " + what + " ran past its limit and was killed");
    }
    if (WIFSIGNALED(status)) {
        throw std::runtime_error("operator " + what + " was killed by signal " +
                                 std::to_string(WTERMSIG(status)));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("operator " + what + " failed (see its message above)");
    }
    boost::system::error_code ec;
    auto value = boost::json::parse(text, ec);
    if (ec || !value.is_object()) {
        throw std::runtime_error("operator " + what + " printed no JSON object: " + text);
    }
    return std::move(value.as_object());
}

}  // namespace regcenter::bench
