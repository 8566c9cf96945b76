// The audit log: one JSON line per admin change and per finished job (docs/audit.md), appended
// to `audit.file` and fsynced, and also written to the daemon's log with EVENT=audit.
//
// A write error never fails or delays the admin request beyond the write and its fsync: it is
// logged and counted, and the file is opened again for the next entry.
//
// The log copies of finished jobs are limited per second (audit.log_jobs_per_second): a center
// serving thousands of calls a second would otherwise write as many log records, and journald's
// per-service rate limit would then drop the daemon's warnings and errors with them. The file
// always gets every entry; the log says once per second how many copies it skipped. Admin
// changes (kicks, tokens) are always copied: they are few, and must not hide in a flood.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "per_second_limit.hpp"

namespace regcenter {

struct job_record;

class audit_log {
  public:
    /// Opens `path` for appending (created with mode 0640 if missing); an empty path writes no
    /// file. A file that can't be opened is logged and tried again at the next entry. At most
    /// `job_copies_per_second` finished jobs a second are copied into the log (0: none).
    audit_log(std::string path, std::uint32_t job_copies_per_second);
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
    /// made from the job itself, and only within the per-second limit; the JSON entry is built
    /// only when there is a file.
    void record_job(const job_record& job);

    /// Changes the limit on log copies of finished jobs (SIGHUP).
    void set_job_copies_per_second(std::uint32_t per_second);

    /// Logs how many finished jobs were not copied into the log in the seconds that ended, if
    /// any. record_job() does it too; the center's sweep calls this so that a burst is
    /// reported when it is over even if no job follows.
    void report_skipped_copies();

    /// Lines written to the file, and entries that could not be (open, write or fsync failed).
    std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
    std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
    /// Finished jobs whose entry went to the file only, over the limit on log copies.
    std::uint64_t skipped_copies() const { return skipped_.load(std::memory_order_relaxed); }

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
    /// Whether a finished job's entry is copied into the log now; reports earlier skips.
    bool admit_job_copy();
    void report_skipped(std::uint64_t skipped, std::uint32_t per_second);
    bool open_locked(std::string& problem);
    void close_locked();

    mutable std::mutex mutex_;
    std::string path_;
    int fd_ = -1;
    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::uint64_t> errors_{0};
    std::atomic<std::uint64_t> skipped_{0};

    std::mutex copies_mutex_;  // apart from mutex_, which is held across write and fsync
    per_second_limit job_copies_;
};

/// The entry for a finished job: who started it, with which admin request (if any), the
/// action, targets, selector, the args' SHA-256, the outcome and the per-status summary.
boost::json::object audit_job_entry(const job_record& job);

/// Lowercase hex SHA-256 of the args serialized as compact JSON (the args are never stored).
std::string args_sha256(const boost::json::value& args);

}  // namespace regcenter
