// The audit log: one JSON line per admin change and per finished job (docs/audit.md), appended
// to `audit.file` and fsynced, and also written to the daemon's log with EVENT=audit.
//
// A write error never fails or delays the admin request beyond the write and its fsync: it is
// logged and counted, and the file is opened again for the next entry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace regcenter {

struct job_record;

class audit_log {
  public:
    /// Opens `path` for appending (created with mode 0640 if missing); an empty path writes no
    /// file. A file that can't be opened is logged and tried again at the next entry.
    explicit audit_log(std::string path);
    ~audit_log();
    audit_log(const audit_log&) = delete;
    audit_log& operator=(const audit_log&) = delete;

    /// Closes the file and opens `path` (on SIGHUP: the same path once logrotate moved the old
    /// file away, or a new one from the configuration; empty stops writing a file).
    void reopen(std::string path);

    /// Appends one entry: "at" (now, RFC 3339) first, then `entry`'s members, as one line;
    /// fsyncs it; and logs it (notice, EVENT=audit) with its main members as fields.
    void record(const boost::json::object& entry);

    /// The same for a finished job, with audit_job_entry(job) as the entry. The log copy is
    /// made from the job itself: the JSON entry is built only when there is a file.
    void record_job(const job_record& job);

    /// Lines written to the file, and entries that could not be (open, write or fsync failed).
    std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
    std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

  private:
    /// The members of an entry that its log copy carries as fields (empty ones are left out).
    struct log_copy {
        std::string_view who, what, method, path, action, targets, job, status, args_sha256;
    };

    /// The file's line for `entry`: built only when there is a file to write it to.
    static std::string file_line(const boost::json::object& entry);
    /// Writes and fsyncs the line `line()` makes, if there is a file.
    void write_file(const std::function<std::string()>& line);
    static void write_log(const log_copy& entry);
    bool open_locked(std::string& problem);
    void close_locked();

    mutable std::mutex mutex_;
    std::string path_;
    int fd_ = -1;
    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::uint64_t> errors_{0};
};

/// The entry for a finished job: who started it, with which admin request (if any), the
/// action, targets, selector, the args' SHA-256, the outcome and the per-status summary.
boost::json::object audit_job_entry(const job_record& job);

/// Lowercase hex SHA-256 of the args serialized as compact JSON (the args are never stored).
std::string args_sha256(const boost::json::value& args);

}  // namespace regcenter
