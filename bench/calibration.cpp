#include "calibration.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "proc_stats.hpp"
#include "server_process.hpp"

namespace regcenter::bench {
namespace {

using clock = std::chrono::steady_clock;
constexpr int round_trips = 20000;

int listen_loopback(std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback_address(0);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, 1) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("calibration: cannot listen on loopback");
    }
    port = ntohs(address.sin_port);
    return fd;
}

int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = loopback_address(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::runtime_error("calibration: cannot connect on loopback");
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool read_exactly(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// The child: pinned to the server's CPU, echoes 64-byte messages on the first connection and
// drains the second one, then exits.
[[noreturn]] void far_side(int listener, std::optional<int> cpu) {
    if (cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(*cpu, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    const int echo = ::accept(listener, nullptr, nullptr);
    const int one = 1;
    ::setsockopt(echo, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char message[64];
    while (read_exactly(echo, message, sizeof message) &&
           write_all(echo, message, sizeof message)) {
    }
    const int bulk = ::accept(listener, nullptr, nullptr);
    std::vector<char> buffer(1 << 20);
    while (::read(bulk, buffer.data(), buffer.size()) > 0) {
    }
    ::write(bulk, "k", 1);
    ::_exit(0);
}

}  // namespace

calibration calibrate(std::optional<int> server_cpu, std::uint64_t bulk_bytes) {
    std::uint16_t port = 0;
    const int listener = listen_loopback(port);
    const pid_t child = ::fork();
    if (child == 0) {
        far_side(listener, server_cpu);
    }
    ::close(listener);
    calibration c;
    const int echo = connect_loopback(port);
    char message[64];
    std::memset(message, 'x', sizeof message);
    const auto cpu_before = sample_process(child);
    for (int i = 0; i < round_trips; ++i) {
        const auto t = clock::now();
        if (!write_all(echo, message, sizeof message) ||
            !read_exactly(echo, message, sizeof message)) {
            throw std::runtime_error("calibration: the echo side went away");
        }
        c.round_trip_us.values.push_back(
            std::chrono::duration<double, std::micro>(clock::now() - t).count());
    }
    const auto cpu_after = sample_process(child);
    if (cpu_before && cpu_after) {
        c.echo_cpu_us.values.push_back(
            static_cast<double>((cpu_after->cpu - cpu_before->cpu).count()) / round_trips);
    }
    ::close(echo);

    const int bulk = connect_loopback(port);
    const std::vector<char> chunk(1 << 20, 'y');
    const auto begin = clock::now();
    for (std::uint64_t sent = 0; sent < bulk_bytes; sent += chunk.size()) {
        write_all(bulk, chunk.data(), chunk.size());
    }
    ::shutdown(bulk, SHUT_WR);
    char done = 0;
    ::read(bulk, &done, 1);  // the far side has read everything
    const double seconds = std::chrono::duration<double>(clock::now() - begin).count();
    c.throughput_gbps.values.push_back(static_cast<double>(bulk_bytes) / seconds / 1e9);
    ::close(bulk);
    ::waitpid(child, nullptr, 0);
    return c;
}

}  // namespace regcenter::bench
