// The server under test as a child process, pinned with taskset when asked: regcenterd with
// a generated configuration, or nats-server, and the ports it listens on.
#pragma once

#include <netinet/in.h>
#include <spawn.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace regcenter::bench {

class server_process {
  public:
    /// Starts `argv`, pinned to `cpu` when given (taskset must be installed); stdout and
    /// stderr go to `log_path`. Throws std::runtime_error when it can't start.
    server_process(std::vector<std::string> argv, std::optional<int> cpu,
                   const std::string& log_path);
    ~server_process();  ///< SIGTERM, then SIGKILL after 10 s
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    int pid() const { return pid_; }

    /// SIGKILL, as a crash: no goodbye to anyone. The destructor then has nothing to do.
    void kill_now();

    /// Waits until a TCP connect to 127.0.0.1:port succeeds; false after 10 s or if it exited.
    bool wait_listening(std::uint16_t port) const;

  private:
    int pid_ = -1;
};

/// posix_spawnp of `argv` with `actions`, after which the child has only descriptors 0-2;
/// returns the pid or throws std::runtime_error.
int spawn(std::vector<std::string> argv, posix_spawn_file_actions_t& actions);

/// 127.0.0.1:`port` as a socket address, for the plain POSIX sockets of the bench.
struct sockaddr_in loopback_address(std::uint16_t port);

/// A TCP port free on 127.0.0.1 right now (bound, read back, released).
std::uint16_t free_port();

}  // namespace regcenter::bench
