// Runs a program to completion with stdin from a file and stdout and stderr kept apart (each
// binary-safe), as the regcenterctl tests need; support/child_process merges them into lines.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace regcenter::test {

struct program_result {
    int status = -1;  ///< exit status; 128 + the signal for a killed program
    std::string out;
    std::string err;
    bool timed_out = false;

    /// Everything, for failure messages.
    std::string describe() const;
};

struct program_options {
    /// stdin; /dev/null when empty.
    std::optional<std::filesystem::path> stdin_file;
    /// NAME=VALUE entries added to the environment. Every REGCENTER_* variable of the test's
    /// own environment is removed first, so that a developer's settings can't leak in.
    std::vector<std::string> env;
    /// Where stdout and stderr are collected (files named after a counter).
    std::filesystem::path work_dir = std::filesystem::temp_directory_path();
    /// The program is killed (SIGKILL) after this long, and timed_out set.
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

/// Options with only stdin set, or only the environment.
inline program_options with_stdin(std::filesystem::path file) {
    program_options o;
    o.stdin_file = std::move(file);
    return o;
}
inline program_options with_env(std::vector<std::string> env) {
    program_options o;
    o.env = std::move(env);
    return o;
}

/// Runs `argv` (argv[0] is the path) and waits for it. Throws std::system_error if it can't be
/// started.
program_result run_program(const std::vector<std::string>& argv, const program_options& options);

}  // namespace regcenter::test
