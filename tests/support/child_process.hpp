// Runs a program (the real regcenterd) as a child process and watches its output.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace regcenter::test {

class child_process {
  public:
    /// Starts `argv[0]` with `argv`; stdout and stderr are merged and collected line by line.
    /// Throws std::system_error if the program can't be started.
    explicit child_process(std::vector<std::string> argv);

    /// What a child gets besides its arguments.
    struct options {
        std::vector<std::string> env = {};  ///< "KEY=VALUE" added to (or replacing in) ours
        std::vector<int> fds = {};          ///< passed as fd 3, 4, … (socket activation)
    };
    child_process(std::vector<std::string> argv, const options& extra);

    /// Kills the child (SIGKILL) if it still runs.
    ~child_process();

    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    /// Waits until an output line at or after `from_line` matches `pattern`
    /// (std::regex_search); returns the match groups (0 is the whole match), or nullopt on
    /// timeout or when the child closed its output first.
    std::optional<std::vector<std::string>> wait_for_line(const std::string& pattern,
                                                          std::chrono::milliseconds timeout,
                                                          std::size_t from_line = 0);

    /// Number of output lines so far, to look only at what comes after.
    std::size_t line_count() const;

    /// All output so far, for failure messages.
    std::string output() const;

    void signal(int sig);

    /// The exit status, or nullopt if it hasn't exited within `timeout`. A child killed by a
    /// signal reports 128 + the signal number. Once it returns a status, output() is complete.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    int pid() const { return pid_; }

  private:
    void read_output(int fd);

    int pid_ = -1;
    std::optional<int> status_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> lines_;
    bool output_closed_ = false;
    std::thread reader_;
};

}  // namespace regcenter::test
