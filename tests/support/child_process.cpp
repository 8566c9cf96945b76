// posix_spawn plus a reader thread; output is kept so failures can show it.
#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <system_error>

extern char** environ;

namespace regcenter::test {

child_process::child_process(std::vector<std::string> argv)
    : child_process(std::move(argv), options{}) {}

child_process::child_process(std::vector<std::string> argv, const options& extra) {
    // The environment: ours, with extra.env's keys replaced.
    std::vector<std::string> env_strings = extra.env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto key = entry.substr(0, entry.find('=') + 1);
        const bool replaced = std::any_of(extra.env.begin(), extra.env.end(),
                                          [&](const std::string& x) { return x.starts_with(key); });
        if (!replaced) {
            env_strings.emplace_back(entry);
        }
    }
    std::vector<char*> env;
    for (auto& e : env_strings) {
        env.push_back(e.data());
    }
    env.push_back(nullptr);
    // Passed fds are first copied above the target range, so that dup2 onto 3, 4, … never
    // meets its own source (a no-op that would keep FD_CLOEXEC).
    std::vector<int> copies;
    for (int fd : extra.fds) {
        const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 64);
        if (copy < 0) {
            throw std::system_error(errno, std::generic_category(), "fcntl F_DUPFD_CLOEXEC");
        }
        copies.push_back(copy);
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    for (std::size_t i = 0; i < copies.size(); ++i) {
        posix_spawn_file_actions_adddup2(&actions, copies[i], 3 + static_cast<int>(i));
    }
    std::vector<char*> args;
    for (auto& a : argv) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    for (int copy : copies) {
        ::close(copy);
    }
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw std::system_error(rc, std::generic_category(), "posix_spawn " + argv[0]);
    }
    reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
}

child_process::~child_process() {
    if (!wait_exit(std::chrono::milliseconds(0))) {
        ::kill(pid_, SIGKILL);
        wait_exit(std::chrono::seconds(10));
    }
    if (reader_.joinable()) {
        reader_.join();
    }
}

void child_process::read_output(int fd) {
    std::string pending;
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        pending.append(chunk, static_cast<std::size_t>(n));
        std::size_t newline;
        std::lock_guard lock(mutex_);
        while ((newline = pending.find('\n')) != std::string::npos) {
            lines_.push_back(pending.substr(0, newline));
            pending.erase(0, newline + 1);
        }
        changed_.notify_all();
    }
    ::close(fd);
    std::lock_guard lock(mutex_);
    if (!pending.empty()) {
        lines_.push_back(pending);
    }
    output_closed_ = true;
    changed_.notify_all();
}

std::optional<std::vector<std::string>> child_process::wait_for_line(
    const std::string& pattern, std::chrono::milliseconds timeout, std::size_t from_line) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    std::size_t next = from_line;
    for (;;) {
        for (; next < lines_.size(); ++next) {
            std::smatch match;
            if (std::regex_search(lines_[next], match, re)) {
                return std::vector<std::string>(match.begin(), match.end());
            }
        }
        if (output_closed_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
            if (next == lines_.size()) {
                return std::nullopt;
            }
        }
    }
}

std::size_t child_process::line_count() const {
    std::lock_guard lock(mutex_);
    return lines_.size();
}

std::string child_process::output() const {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& l : lines_) {
        all += l;
        all += '\n';
    }
    return all;
}

void child_process::signal(int sig) {
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
    if (status_) {
        return status_;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            // Let the reader catch up so output() holds everything the child wrote.
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, std::chrono::seconds(5), [&] { return output_closed_; });
            return status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace regcenter::test
