// Appending with O_APPEND and one write() per line keeps lines whole even if another process
// appends too; fsync per line means an entry that was answered for is on disk.
#include "audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

#include <boost/json.hpp>

#include "job.hpp"
#include "logging.hpp"
#include "regcenter/common/sha256.hpp"
#include "regcenter/common/time_format.hpp"

namespace regcenter {
namespace json = boost::json;
namespace {

// The log gets the targets too, but not thousands of them: the file has them all.
constexpr std::size_t max_logged_targets = 32;

std::string text_of(const json::object& entry, std::string_view key) {
    const json::value* v = entry.if_contains(key);
    if (v == nullptr) {
        return {};
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    return json::serialize(*v);
}

// The first max_logged_targets of `targets`, comma-separated, "…" if there were more.
template <class Range, class Text>
std::string logged_targets(const Range& targets, Text text) {
    std::string out;
    std::size_t n = 0;
    for (const auto& t : targets) {
        if (n == max_logged_targets) {
            out += ",…";
            break;
        }
        if (n++ > 0) {
            out += ',';
        }
        out += text(t);
    }
    return out;
}

std::string logged_targets(const json::object& entry) {
    const json::value* v = entry.if_contains("targets");
    if (v == nullptr || !v->is_array()) {
        return {};
    }
    return logged_targets(v->get_array(), [](const json::value& t) {
        return t.is_string() ? std::string(t.get_string()) : json::serialize(t);
    });
}

// One word for a whole job: a single target's own status; for more, whether all, some or none
// of them were ok.
std::string_view job_status_word(const job_record& job) {
    if (job.results.empty()) {
        return "no-targets";
    }
    if (job.results.size() == 1) {
        return to_string(job.results.front().status);
    }
    if (job.summary.ok == job.results.size()) {
        return "ok";
    }
    return job.summary.ok == 0 ? "failed" : "partial";
}

std::string_view job_what(const job_record& job) {
    return job.kind == "call" ? std::string_view("action-call") : std::string_view(job.kind);
}

// audit_job_entry with the args' digest already computed.
json::object job_entry(const job_record& job, std::string_view args_digest) {
    json::object entry;
    entry["who"] = job.started_by;
    entry["what"] = job_what(job);
    if (!job.admin_request.method.empty()) {
        entry["method"] = job.admin_request.method;
        entry["path"] = job.admin_request.path;
    }
    entry["action"] = job.action;
    json::array targets;
    targets.reserve(job.results.size());
    for (const auto& r : job.results) {
        targets.push_back(json::string(r.master));
    }
    entry["targets"] = std::move(targets);
    if (!job.selector.is_null()) {
        entry["selector"] = job.selector;
    }
    entry["args_sha256"] = args_digest;
    entry["result"] =
        json::object{{"status", job_status_word(job)},
                     {"summary", json::object{{"ok", job.summary.ok},
                                              {"error", job.summary.error},
                                              {"timeout", job.summary.timeout},
                                              {"disconnected", job.summary.disconnected}}}};
    entry["job"] = job.id;
    entry["started_at"] = format_rfc3339(job.started_at);
    entry["duration_ms"] = job.duration.count();
    return entry;
}

std::string error_text(int error) {
    return std::strerror(error);
}

}  // namespace

std::string audit_log::file_line(const json::object& entry) {
    // {"at":"...", then the entry's members: the entry is serialized once, not copied first.
    std::string text = "{\"at\":\"" + format_rfc3339(std::chrono::system_clock::now()) + '"';
    const std::string members = json::serialize(entry);  // "{...}"
    if (members.size() > 2) {
        text += ',';
    }
    text.append(members, 1);
    text += '\n';
    return text;
}

audit_log::audit_log(std::string path, std::uint32_t job_copies_per_second)
    : job_copies_(job_copies_per_second) {
    reopen(std::move(path));
}

audit_log::~audit_log() {
    std::lock_guard lock(mutex_);
    close_locked();
}

void audit_log::close_locked() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

bool audit_log::open_locked(std::string& problem) {
    if (fd_ >= 0 || path_.empty()) {
        return true;
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) {
        problem = "cannot open: " + error_text(errno);
        return false;
    }
    return true;
}

void audit_log::reopen(std::string path) {
    std::string problem;
    std::string where;
    {
        std::lock_guard lock(mutex_);
        close_locked();
        path_ = std::move(path);
        where = path_;
        if (open_locked(problem)) {
            return;
        }
    }
    errors_.fetch_add(1, std::memory_order_relaxed);
    logging::error("audit file not writable, retrying at the next entry",
                   {{"PATH", where}, {"ERROR", problem}, {"EVENT", "audit-error"}});
}

void audit_log::write_file(const std::function<std::string()>& line) {
    std::string problem;
    std::string where;
    bool wrote = false;
    {
        std::lock_guard lock(mutex_);
        if (path_.empty()) {
            return;
        }
        where = path_;
        if (open_locked(problem)) {
            const std::string text = line();
            std::size_t done = 0;
            while (done < text.size()) {
                const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
                if (n < 0 && errno == EINTR) {
                    continue;
                }
                if (n <= 0) {
                    problem = "cannot write: " + error_text(n < 0 ? errno : EIO);
                    break;
                }
                done += static_cast<std::size_t>(n);
            }
            if (problem.empty() && ::fsync(fd_) != 0) {
                problem = "cannot fsync: " + error_text(errno);
            }
            if (problem.empty()) {
                wrote = true;
            } else {
                close_locked();  // the next entry opens it again
            }
        }
    }
    if (wrote) {
        written_.fetch_add(1, std::memory_order_relaxed);
    } else {
        errors_.fetch_add(1, std::memory_order_relaxed);
        logging::error("audit entry not written to the audit file",
                       {{"PATH", where}, {"ERROR", problem}, {"EVENT", "audit-error"}});
    }
}

void audit_log::write_log(const log_copy& entry) {
    std::array<logging::field, 10> fields{logging::field{"EVENT", "audit"},
                                          logging::field{"WHO", entry.who},
                                          logging::field{"WHAT", entry.what}};
    std::size_t n = 3;
    const std::pair<std::string_view, std::string_view> optional[] = {
        {"METHOD", entry.method},          {"PATH", entry.path},  {"ACTION", entry.action},
        {"TARGETS", entry.targets},        {"JOB_ID", entry.job}, {"STATUS", entry.status},
        {"ARGS_SHA256", entry.args_sha256}};
    for (const auto& [key, value] : optional) {
        if (!value.empty()) {
            fields[n++] = {key, value};
        }
    }
    std::string message = "audit: ";
    message += entry.what;
    message += " by ";
    message += entry.who;
    logging::write(logging::level::notice, message,
                   std::span<const logging::field>(fields.data(), n));
}

void audit_log::record(const json::object& entry) {
    write_file([&entry] { return file_line(entry); });
    const std::string who = text_of(entry, "who");
    const std::string what = text_of(entry, "what");
    std::string status;
    if (const json::value* result = entry.if_contains("result"); result && result->is_object()) {
        status = text_of(result->get_object(), "status");
    }
    const std::string method = text_of(entry, "method");
    const std::string path = text_of(entry, "path");
    const std::string action = text_of(entry, "action");
    const std::string job = text_of(entry, "job");
    const std::string targets = logged_targets(entry);
    const std::string args = text_of(entry, "args_sha256");
    write_log({.who = who,
               .what = what,
               .method = method,
               .path = path,
               .action = action,
               .targets = targets,
               .job = job,
               .status = status,
               .args_sha256 = args});
}

void audit_log::record_job(const job_record& job) {
    // The JSON entry only for a file, the log copy straight from the job, and the args' digest
    // only when one of them is written.
    std::optional<std::string> digest;
    auto args = [&job, &digest]() -> const std::string& {
        if (!digest) {
            digest = args_sha256(job.args);
        }
        return *digest;
    };
    write_file([&job, &args] { return file_line(job_entry(job, args())); });
    if (!admit_job_copy()) {
        return;
    }
    const std::string targets = logged_targets(
        job.results, [](const job_result& r) -> const std::string& { return r.master; });
    write_log({.who = job.started_by,
               .what = job_what(job),
               .method = job.admin_request.method,
               .path = job.admin_request.method.empty() ? std::string_view()
                                                        : std::string_view(job.admin_request.path),
               .action = job.action,
               .targets = targets,
               .job = job.id,
               .status = job_status_word(job),
               .args_sha256 = args()});
}

bool audit_log::admit_job_copy() {
    const auto now = per_second_limit::clock::now();
    std::uint64_t skipped = 0;
    std::uint32_t per_second = 0;
    bool admitted = false;
    {
        std::lock_guard lock(copies_mutex_);
        skipped = job_copies_.take_refused(now);
        admitted = job_copies_.admit(now);
        per_second = job_copies_.per_second();
    }
    report_skipped(skipped, per_second);
    if (!admitted) {
        skipped_.fetch_add(1, std::memory_order_relaxed);
    }
    return admitted;
}

void audit_log::set_job_copies_per_second(std::uint32_t per_second) {
    std::lock_guard lock(copies_mutex_);
    job_copies_.set_per_second(per_second);
}

void audit_log::report_skipped_copies() {
    std::uint64_t skipped = 0;
    std::uint32_t per_second = 0;
    {
        std::lock_guard lock(copies_mutex_);
        skipped = job_copies_.take_refused(per_second_limit::clock::now());
        per_second = job_copies_.per_second();
    }
    report_skipped(skipped, per_second);
}

void audit_log::report_skipped(std::uint64_t skipped, std::uint32_t per_second) {
    // Nothing to report when copies are off: the operator asked for none.
    if (skipped == 0 || per_second == 0) {
        return;
    }
    bool to_file = false;
    {
        std::lock_guard lock(mutex_);
        to_file = !path_.empty();
    }
    std::string message = "audit: " + std::to_string(skipped) +
                          " finished jobs over audit.log_jobs_per_second (" +
                          std::to_string(per_second) + ") were not copied to the log; ";
    message += to_file ? "the audit file has every entry" : "set audit.file to keep every entry";
    const std::string count = std::to_string(skipped);
    const std::string limit = std::to_string(per_second);
    logging::notice(message,
                    {{"EVENT", "audit-copies-skipped"}, {"SKIPPED", count}, {"LIMIT", limit}});
}

std::string args_sha256(const json::value& args) {
    // Most calls have no args: their digest is the same every time.
    static const std::string of_null = [] {
        const sha256_digest digest = sha256("null");
        return to_hex(digest.data(), digest.size());
    }();
    if (args.is_null()) {
        return of_null;
    }
    const std::string serialized = json::serialize(args);
    const sha256_digest digest = sha256(serialized);
    return to_hex(digest.data(), digest.size());
}

json::object audit_job_entry(const job_record& job) {
    return job_entry(job, args_sha256(job.args));
}

}  // namespace regcenter
