// A Boost.Log sink backend that writes each record to the systemd journal in its native protocol
// (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/), without libsystemd: one datagram per record on
// an AF_UNIX SOCK_DGRAM socket, with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and every structured
// field of the record (SESSION_ID, REMOTE_ADDR, EVENT, ...) as a journal field.
//
// The sink never blocks for long and never throws: a record it can't deliver (no journal, the
// journal not reading) is dropped and counted, and the first such failure is reported once on
// stderr.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/log/core/record_view.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>

#include "log_record.hpp"
#include "logging.hpp"

namespace regcenter::logging {

/// A journal field name for a structured field's key. Journal names are upper-case letters,
/// digits and '_', start with neither '_' (reserved for fields journald adds itself) nor a
/// digit, and are at most 64 bytes: lower-case letters are upper-cased, any other character
/// becomes '_', leading '_' are dropped, and a name that is then empty or starts with a digit
/// gets the prefix "FIELD_" ("session_id" → "SESSION_ID", "a=b" → "A_B", "_X" → "X",
/// "1st" → "FIELD_1ST").
std::string journal_field_name(std::string_view key);

/// Appends one field to an entry: "NAME=value\n", or, for a value with a newline, the binary
/// form "NAME\n", the value's size as 64-bit little-endian, the value, "\n". `name` must
/// already be a valid journal name.
void append_journal_field(std::string& entry, std::string_view name, std::string_view value);

/// One journal entry: MESSAGE, PRIORITY (the syslog severity), SYSLOG_IDENTIFIER, then each
/// field under journal_field_name(key). A field whose name would be one of those three gets
/// the prefix "FIELD_" instead of overriding it.
std::string encode_journal_entry(level lvl, std::string_view message,
                                 const detail::field_list& fields,
                                 std::string_view identifier = "regcenterd");
/// The same with fields given in place (tests, tools).
std::string encode_journal_entry(level lvl, std::string_view message,
                                 std::initializer_list<field> fields,
                                 std::string_view identifier = "regcenterd");

/// The backend; use it behind boost::log::sinks::synchronous_sink, which serializes consume().
class journal_backend
    : public boost::log::sinks::basic_sink_backend<boost::log::sinks::synchronized_feeding> {
  public:
    /// How long a send may wait for a journal that is momentarily not reading (its socket's
    /// queue is full) before the record is dropped. After a drop, sends don't wait at all until
    /// one succeeds again, so a stuck journal costs this once, not per record.
    static constexpr std::chrono::milliseconds max_send_wait{500};

    explicit journal_backend(std::string socket_path = std::string(default_journal_socket),
                             std::string identifier = "regcenterd");
    ~journal_backend();
    journal_backend(const journal_backend&) = delete;
    journal_backend& operator=(const journal_backend&) = delete;

    /// Encodes the record (severity, message, fields) and sends it.
    void consume(const boost::log::record_view& rec);

    /// Sends one encoded entry; false if it was dropped. Not thread-safe (consume() is called
    /// under the frontend's lock).
    bool send(const std::string& entry);

    std::uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  private:
    bool open_socket(int& error);
    void close_socket();
    void failed(int error);

    const std::string path_;
    const std::string identifier_;
    int fd_ = -1;
    bool may_wait_ = true;   // false after a drop, until a send succeeds
    bool reported_ = false;  // the first failure went to stderr
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

/// A file's identity, as fstat(2) gives it.
struct file_identity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
};

/// True if `journal_stream`, the JOURNAL_STREAM variable systemd sets for a service whose
/// stdout or stderr is connected to the journal ("DEV:INODE" in decimal), names `file`.
bool journal_stream_matches(std::string_view journal_stream, file_identity file);

/// The sink `log.sink` asks for: "console", "journal", or "auto", which is the journal when
/// stderr is the journal stream systemd set up (JOURNAL_STREAM matches stderr's identity; an
/// unset variable or an unknown stderr mean the console). nullopt for any other setting.
std::optional<sink> choose_sink(std::string_view setting, const char* journal_stream,
                                std::optional<file_identity> stderr_identity);

/// The same with this process's JOURNAL_STREAM and fstat(STDERR_FILENO).
std::optional<sink> choose_sink(std::string_view setting);

}  // namespace regcenter::logging
