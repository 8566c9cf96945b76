// Playing journald for tests: a datagram socket bound at a fresh path that receives entries in
// the journal's native protocol (datagrams, or a memfd passed in one), a parser for them, and a
// collector that receives on its own thread. Header-only.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace regcenter::test {

/// One entry's fields in order; a name may repeat.
using journal_entry = std::vector<std::pair<std::string, std::string>>;

/// Parses a native-protocol entry: "NAME=value\n", or "NAME\n" + 64-bit little-endian size +
/// value + "\n". Throws std::runtime_error on anything else.
inline journal_entry parse_journal_entry(std::string_view data) {
    journal_entry out;
    while (!data.empty()) {
        const auto newline = data.find('\n');
        const auto equals = data.find('=');
        if (newline == std::string_view::npos) {
            throw std::runtime_error("journal field without a newline");
        }
        if (equals < newline) {
            out.emplace_back(std::string(data.substr(0, equals)),
                             std::string(data.substr(equals + 1, newline - equals - 1)));
            data.remove_prefix(newline + 1);
            continue;
        }
        std::string name(data.substr(0, newline));
        data.remove_prefix(newline + 1);
        if (data.size() < 8) {
            throw std::runtime_error("binary journal field " + name + " without its size");
        }
        std::uint64_t size = 0;
        for (int i = 0; i < 8; ++i) {
            size |= std::uint64_t(static_cast<unsigned char>(data[i])) << (8 * i);
        }
        data.remove_prefix(8);
        if (data.size() < size + 1 || data[size] != '\n') {
            throw std::runtime_error("binary journal field " + name + " shorter than its size");
        }
        out.emplace_back(std::move(name), std::string(data.substr(0, size)));
        data.remove_prefix(size + 1);
    }
    return out;
}

/// The first value of field `name`, or nullopt.
inline std::optional<std::string> journal_value(const journal_entry& e, std::string_view name) {
    for (const auto& [k, v] : e) {
        if (k == name) {
            return v;
        }
    }
    return std::nullopt;
}

/// A datagram socket bound at a fresh path in the temp folder, removed again when it goes.
class journal_socket {
  public:
    journal_socket() {
        static std::atomic<int> counter{0};
        // sun_path holds 107 bytes: a short name.
        path_ =
            (std::filesystem::temp_directory_path() / ("rc-journal-" + std::to_string(::getpid()) +
                                                       "-" + std::to_string(counter++) + ".sock"))
                .string();
        ::unlink(path_.c_str());
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        }
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
        if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            const int error = errno;
            ::close(fd_);
            throw std::runtime_error("bind " + path_ + ": " + std::strerror(error));
        }
    }
    ~journal_socket() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    journal_socket(const journal_socket&) = delete;
    journal_socket& operator=(const journal_socket&) = delete;

    const std::string& path() const { return path_; }

    /// The next entry's bytes (from a datagram, or from the memfd one carries), or nullopt
    /// after `timeout`. `via_memfd` tells which; `sealed` whether that memfd was sealed against
    /// writing, shrinking and growing, as journald requires.
    std::optional<std::string> receive(std::chrono::milliseconds timeout, bool* via_memfd = nullptr,
                                       bool* sealed = nullptr) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
            return std::nullopt;
        }
        std::string buffer(4u << 20, '\0');
        iovec iov{buffer.data(), buffer.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(fd_, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0) {
            return std::nullopt;
        }
        buffer.resize(static_cast<std::size_t>(n));
        cmsghdr* header = CMSG_FIRSTHDR(&message);
        if (via_memfd) {
            *via_memfd = header != nullptr;
        }
        if (header == nullptr || header->cmsg_type != SCM_RIGHTS) {
            return buffer;
        }
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
        if (sealed) {
            constexpr int needed = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
            const int seals = ::fcntl(fd, F_GET_SEALS);
            *sealed = seals >= 0 && (seals & needed) == needed;
        }
        std::string content;
        char chunk[65536];
        ssize_t got = 0;
        while ((got = ::pread(fd, chunk, sizeof chunk, static_cast<off_t>(content.size()))) > 0) {
            content.append(chunk, static_cast<std::size_t>(got));
        }
        ::close(fd);
        return content;
    }

    /// Receives everything waiting, without waiting for more; returns how many entries.
    std::size_t drain() {
        std::size_t n = 0;
        while (receive(std::chrono::milliseconds(0))) {
            ++n;
        }
        return n;
    }

  private:
    std::string path_;
    int fd_ = -1;
};

/// A journal_socket read on a thread of its own, so that the sender never finds it full; every
/// entry is kept, raw and parsed, in arrival order.
class journal_collector {
  public:
    journal_collector() : reader_([this] { run(); }) {}
    ~journal_collector() {
        stop_ = true;
        reader_.join();
    }
    journal_collector(const journal_collector&) = delete;
    journal_collector& operator=(const journal_collector&) = delete;

    const std::string& path() const { return socket_.path(); }

    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

    /// The index of the first entry at or after `from` that `match` accepts, waiting up to
    /// `timeout` for it.
    std::optional<std::size_t> wait_for(const std::function<bool(const journal_entry&)>& match,
                                        std::chrono::milliseconds timeout, std::size_t from = 0) {
        std::unique_lock lock(mutex_);
        std::optional<std::size_t> found;
        changed_.wait_for(lock, timeout, [&] {
            for (std::size_t i = from; i < entries_.size(); ++i) {
                if (match(entries_[i])) {
                    found = i;
                    return true;
                }
            }
            from = entries_.size();
            return false;
        });
        return found;
    }

    journal_entry entry(std::size_t index) const {
        std::lock_guard lock(mutex_);
        return entries_.at(index);
    }

    /// Every entry's raw bytes, concatenated (to look for what must never be sent).
    std::string raw() const {
        std::lock_guard lock(mutex_);
        return raw_;
    }

  private:
    void run() {
        while (!stop_) {
            auto data = socket_.receive(std::chrono::milliseconds(50));
            if (!data) {
                continue;
            }
            journal_entry parsed;
            try {
                parsed = parse_journal_entry(*data);
            } catch (const std::exception& e) {
                parsed = {{"PARSE_ERROR", e.what()}};
            }
            std::lock_guard lock(mutex_);
            raw_ += *data;
            entries_.push_back(std::move(parsed));
            changed_.notify_all();
        }
    }

    journal_socket socket_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<journal_entry> entries_;
    std::string raw_;
    std::atomic<bool> stop_{false};
    std::thread reader_;  // last: starts once everything it uses exists
};

}  // namespace regcenter::test
