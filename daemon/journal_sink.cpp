// The journal's native protocol over a connected AF_UNIX datagram socket. Connected, so that
// poll() tells when a full journal queue has room again; a journal that restarted (the old
// connection refused) is reconnected once per record.
//
// Large entries: an entry over the socket's datagram limit (the send fails with EMSGSIZE, or
// ENOBUFS) is written to a sealed memfd whose descriptor is passed with SCM_RIGHTS in an empty
// datagram, as the protocol allows and sd_journal_send() does; nothing is truncated. Only if
// that fails too (no memfd support) is the record dropped and counted like any other failure.
#include "journal_sink.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <boost/log/attributes/value_extraction.hpp>

#include "log_record.hpp"

namespace regcenter::logging {
namespace bl = boost::log;

std::string journal_field_name(std::string_view key) {
    constexpr std::size_t max_name = 64;
    std::string name;
    name.reserve(key.size());
    for (const char c : key) {
        if (c >= 'a' && c <= 'z') {
            name += static_cast<char>(c - 'a' + 'A');
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
            name += c;
        } else {
            name += '_';
        }
    }
    name.erase(0, name.find_first_not_of('_'));
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
        name.insert(0, "FIELD_");
    }
    if (name.size() > max_name) {
        name.resize(max_name);
    }
    return name;
}

void append_journal_field(std::string& entry, std::string_view name, std::string_view value) {
    entry += name;
    if (value.find('\n') == std::string_view::npos) {
        entry += '=';
        entry += value;
        entry += '\n';
        return;
    }
    entry += '\n';
    const std::uint64_t size = value.size();
    for (int i = 0; i < 8; ++i) {
        entry += static_cast<char>((size >> (8 * i)) & 0xff);
    }
    entry += value;
    entry += '\n';
}

std::string encode_journal_entry(level lvl, std::string_view message,
                                 const detail::field_list& fields, std::string_view identifier) {
    std::string entry;
    std::size_t size = message.size() + identifier.size() + 64;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        size += fields.key(i).size() + fields.value(i).size() + 16;
    }
    entry.reserve(size);
    append_journal_field(entry, "MESSAGE", message);
    const char priority = static_cast<char>('0' + static_cast<int>(lvl));
    append_journal_field(entry, "PRIORITY", std::string_view(&priority, 1));
    append_journal_field(entry, "SYSLOG_IDENTIFIER", identifier);
    for (std::size_t i = 0; i < fields.size(); ++i) {
        std::string name = journal_field_name(fields.key(i));
        if (name == "MESSAGE" || name == "PRIORITY" || name == "SYSLOG_IDENTIFIER") {
            name.insert(0, "FIELD_");
        }
        append_journal_field(entry, name, fields.value(i));
    }
    return entry;
}

std::string encode_journal_entry(level lvl, std::string_view message,
                                 std::initializer_list<field> fields, std::string_view identifier) {
    detail::field_list list;
    for (const field& f : fields) {
        list.add(f.key, f.value);
    }
    return encode_journal_entry(lvl, message, list, identifier);
}

journal_backend::journal_backend(std::string socket_path, std::string identifier)
    : path_(std::move(socket_path)), identifier_(std::move(identifier)) {}

journal_backend::~journal_backend() {
    close_socket();
}

void journal_backend::consume(const bl::record_view& rec) {
    const auto lvl = bl::extract<level>(detail::severity_attribute, rec);
    const auto message = bl::extract<std::string>(detail::message_attribute, rec);
    const auto fields = bl::extract<detail::field_list>(detail::fields_attribute, rec);
    static const detail::field_list no_fields;
    std::string_view text;
    if (message) {
        text = *message;
    }
    send(encode_journal_entry(lvl ? *lvl : level::info, text, fields ? *fields : no_fields,
                              identifier_));
}

bool journal_backend::open_socket(int& error) {
    close_socket();
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path_.empty() || path_.size() >= sizeof address.sun_path) {
        error = ENAMETOOLONG;
        return false;
    }
    std::memcpy(address.sun_path, path_.data(), path_.size());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        error = errno;
        return false;
    }
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size() + 1);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
        error = errno;
        close_socket();
        return false;
    }
    return true;
}

void journal_backend::close_socket() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

namespace {

// A sealed memfd holding `data`, or -1 with errno set. journald accepts a memfd only once it
// can no longer change.
int sealed_memfd(const std::string& data) {
    const int fd = ::memfd_create("regcenterd-journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        return -1;
    }
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const int error = n < 0 ? errno : EIO;
            ::close(fd);
            errno = error;
            return -1;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

// An empty datagram carrying `fd`.
ssize_t send_descriptor(int socket, int fd) {
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
    return ::sendmsg(socket, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
}

struct fd_closer {
    int fd = -1;
    ~fd_closer() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

}  // namespace

bool journal_backend::send(const std::string& entry) {
    using clock = std::chrono::steady_clock;
    const clock::time_point deadline =
        clock::now() + (may_wait_ ? clock::duration(max_send_wait) : clock::duration::zero());
    fd_closer memfd;  // set once the entry proved too big for a datagram
    bool reconnected = false;
    int error = 0;
    for (;;) {
        if (fd_ < 0 && !open_socket(error)) {
            break;
        }
        const ssize_t n =
            memfd.fd >= 0 ? send_descriptor(fd_, memfd.fd)
                          : ::send(fd_, entry.data(), entry.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            sent_.fetch_add(1, std::memory_order_relaxed);
            may_wait_ = true;
            return true;
        }
        error = errno;
        if (error == EINTR) {
            continue;
        }
        if ((error == EMSGSIZE || error == ENOBUFS) && memfd.fd < 0) {
            memfd.fd = sealed_memfd(entry);
            if (memfd.fd < 0) {
                error = errno;
                break;
            }
            continue;
        }
        if (error == EAGAIN || error == EWOULDBLOCK) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
            if (left <= 0) {
                break;
            }
            pollfd p{fd_, POLLOUT, 0};
            ::poll(&p, 1, static_cast<int>(left));
            continue;
        }
        // The journal went away (restarted, or its socket was replaced): one fresh connection.
        if (!reconnected && (error == ECONNREFUSED || error == ENOTCONN || error == ECONNRESET ||
                             error == EPIPE || error == ENOENT)) {
            reconnected = true;
            close_socket();
            continue;
        }
        break;
    }
    failed(error);
    return false;
}

void journal_backend::failed(int error) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    may_wait_ = false;
    if (!reported_) {
        reported_ = true;
        // Not through the log: this is the log failing. Once, so a missing journal can't flood
        // stderr; the count is in dropped().
        std::fprintf(stderr,
                     "regcenterd: cannot send log records to the journal at %s: %s; dropping "
                     "them (reported once)\n",
                     path_.c_str(), std::strerror(error));
        std::fflush(stderr);
    }
}

bool journal_stream_matches(std::string_view journal_stream, file_identity file) {
    const auto colon = journal_stream.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    const auto number = [](std::string_view text, std::uint64_t& out) {
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, out);
        return !text.empty() && ec == std::errc{} && ptr == end;
    };
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    return number(journal_stream.substr(0, colon), device) &&
           number(journal_stream.substr(colon + 1), inode) && device == file.device &&
           inode == file.inode;
}

std::optional<sink> choose_sink(std::string_view setting, const char* journal_stream,
                                std::optional<file_identity> stderr_identity) {
    if (setting == "console") {
        return sink::console;
    }
    if (setting == "journal") {
        return sink::journal;
    }
    if (setting != "auto") {
        return std::nullopt;
    }
    const bool journal = journal_stream != nullptr && stderr_identity &&
                         journal_stream_matches(journal_stream, *stderr_identity);
    return journal ? sink::journal : sink::console;
}

std::optional<sink> choose_sink(std::string_view setting) {
    std::optional<file_identity> identity;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) == 0) {
        identity = file_identity{static_cast<std::uint64_t>(st.st_dev),
                                 static_cast<std::uint64_t>(st.st_ino)};
    }
    return choose_sink(setting, std::getenv("JOURNAL_STREAM"), identity);
}

}  // namespace regcenter::logging
