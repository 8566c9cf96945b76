// regcenterd under a service manager, played by the test: the notify protocol over a
// NOTIFY_SOCKET the test binds (READY only once listening, STATUS, WATCHDOG at half of
// WATCHDOG_USEC, RELOADING/READY around SIGHUP, STOPPING on SIGTERM), socket activation with
// sockets the test creates and hands over, and `systemd-analyze verify` on the units.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "daemon/daemon_process.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

using clock = std::chrono::steady_clock;

// The service manager's end of NOTIFY_SOCKET: a datagram socket at a temp path.
class notify_socket {
  public:
    explicit notify_socket(const fs::path& path) : path_(path.string()) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path_.c_str());
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            throw std::runtime_error("cannot bind " + path_);
        }
    }
    ~notify_socket() { ::close(fd_); }
    notify_socket(const notify_socket&) = delete;
    notify_socket& operator=(const notify_socket&) = delete;

    const std::string& path() const { return path_; }

    // The next datagram, or nullopt after `timeout`.
    std::optional<std::string> next(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
            return std::nullopt;
        }
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buffer, n));
    }

    // Datagrams until one contains `text` (returned), or nullopt after `timeout`; the others
    // go to `skipped` when given.
    std::optional<std::string> until(std::string_view text, std::chrono::milliseconds timeout,
                                     std::vector<std::string>* skipped = nullptr) {
        const auto deadline = clock::now() + timeout;
        while (clock::now() < deadline) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            auto d = next(left);
            if (!d) {
                return std::nullopt;
            }
            if (d->find(text) != std::string::npos) {
                return d;
            }
            if (skipped != nullptr) {
                skipped->push_back(*d);
            }
        }
        return std::nullopt;
    }

  private:
    std::string path_;
    int fd_ = -1;
};

TEST(systemd, notify_protocol_ready_status_watchdog_reload_and_stop) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    write_file(config, config_yaml("token-1"));
    notify_socket manager(dir / "notify");
    // A 1 s watchdog: the daemon must ping at about 500 ms, well within the deadline.
    running_daemon d =
        start_daemon(config, {{"NOTIFY_SOCKET=" + manager.path(), "WATCHDOG_USEC=1000000"}, {}});

    const auto ready = manager.until("READY=1", 10s);
    ASSERT_TRUE(ready) << d.process->output();
    EXPECT_NE(ready->find("STATUS=0 masters connected"), std::string::npos) << *ready;
    // READY came after both listeners were bound: both answer now.
    EXPECT_EQ(http_call(d.admin, http::verb::get, "/healthz", "").status, 200u);
    ws_client master(d.masters);
    master.authenticate("token-1", "notify-test");

    // Watchdog pings: never further apart than the interval systemd would enforce, and the
    // status follows the session count.
    auto last = clock::now();
    int pings = 0;
    bool status_seen = false;
    while (pings < 4) {
        const auto datagram = manager.until("WATCHDOG=1", 3s);
        ASSERT_TRUE(datagram) << "no WATCHDOG=1 within 3 s\n" << d.process->output();
        const auto now = clock::now();
        EXPECT_LT(now - last, 1s) << "watchdog gap beyond WATCHDOG_USEC";
        last = now;
        ++pings;
        status_seen =
            status_seen || datagram->find("STATUS=1 masters connected") != std::string::npos;
    }
    EXPECT_TRUE(status_seen);

    d.process->signal(SIGHUP);
    ASSERT_TRUE(manager.until("RELOADING=1", 5s));
    const auto reloaded = manager.until("READY=1", 5s);
    ASSERT_TRUE(reloaded);

    d.process->signal(SIGTERM);
    const auto stopping = manager.until("STOPPING=1", 5s);
    ASSERT_TRUE(stopping) << d.process->output();
    EXPECT_EQ(d.process->wait_exit(15s), 0) << d.process->output();
}

TEST(systemd, without_a_service_manager_nothing_is_sent_and_nothing_fails) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    write_file(config, config_yaml("token-1"));
    running_daemon d = start_daemon(config, {{"NOTIFY_SOCKET=", "WATCHDOG_USEC="}, {}});
    EXPECT_EQ(http_call(d.admin, http::verb::get, "/healthz", "").status, 200u);
    d.process->signal(SIGTERM);
    EXPECT_EQ(d.process->wait_exit(15s), 0) << d.process->output();
}

// A listening TCP socket on an ephemeral loopback port, as systemd would bind it.
int listening_socket(tcp::endpoint& bound) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd, 64) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("cannot create a listening socket");
    }
    bound = {net::ip::make_address("127.0.0.1"), ntohs(address.sin_port)};
    return fd;
}

TEST(systemd, socket_activation_serves_connections_made_before_the_daemon_started) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    write_file(config, config_yaml("token-1"));
    tcp::endpoint masters_ep;
    tcp::endpoint admin_ep;
    const int masters_fd = listening_socket(masters_ep);
    const int admin_fd = listening_socket(admin_ep);

    // A connection made while no daemon runs waits in the socket's backlog, as during a
    // restart under regcenterd.socket.
    net::io_context ioc;
    tcp::socket early(ioc);
    early.connect(admin_ep);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    net::write(early, net::buffer(request));

    running_daemon d = start_daemon(
        config, {{"LISTEN_FDS=2", "LISTEN_FDNAMES=masters:admin"}, {masters_fd, admin_fd}});
    ::close(masters_fd);
    ::close(admin_fd);
    EXPECT_TRUE(d.process->wait_for_line("using sockets passed by the service manager", 1s));
    // The daemon listens where the sockets are, not where the config says (port 0).
    EXPECT_EQ(d.masters.port(), masters_ep.port());
    EXPECT_EQ(d.admin.port(), admin_ep.port());

    std::string answer;
    beast::error_code ec;
    net::read(early, net::dynamic_buffer(answer), ec);
    EXPECT_NE(answer.find("200 OK"), std::string::npos) << answer;

    ws_client master(masters_ep);
    EXPECT_EQ(master.authenticate("token-1").size(), 32u);
    d.process->signal(SIGTERM);
    EXPECT_EQ(d.process->wait_exit(15s), 0) << d.process->output();
}

TEST(systemd, units_pass_systemd_analyze_verify) {
    if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "systemd-analyze is not installed (./dev installs the systemd package)";
    }
    const std::string units = std::string(REGCENTER_BINARY_DIR) + "/systemd/verify/";
    const fs::path out = temp_dir() / "verify.out";
    const std::string command = "systemd-analyze verify --man=no " + units + "regcenterd.service " +
                                units + "regcenterd.socket >" + out.string() + " 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream in(out);
    const std::string output((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(rc, 0) << output;
    // verify exits 0 on some warnings; the units must have none.
    EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace regcenter::test
