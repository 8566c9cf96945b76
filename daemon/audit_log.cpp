// Appending with O_APPEND and one write() per line keeps lines whole even if another process
// appends too; fsync per line means an entry that was answered for is on disk.
#include "audit_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

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

std::string logged_targets(const json::object& entry) {
    const json::value* v = entry.if_contains("targets");
    if (v == nullptr || !v->is_array()) {
        return {};
    }
    std::string out;
    std::size_t n = 0;
    for (const json::value& t : v->get_array()) {
        if (n == max_logged_targets) {
            out += ",…";
            break;
        }
        if (n++ > 0) {
            out += ',';
        }
        out += t.is_string() ? std::string(t.get_string()) : json::serialize(t);
    }
    return out;
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

audit_log::audit_log(std::string path) {
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

void audit_log::record(const json::object& entry) {
    std::string problem;
    std::string where;
    bool wrote = false;
    {
        std::lock_guard lock(mutex_);
        where = path_;
        if (!path_.empty() && open_locked(problem)) {
            const std::string text = file_line(entry);
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
    } else if (!problem.empty()) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        logging::error("audit entry not written to the audit file",
                       {{"PATH", where}, {"ERROR", problem}, {"EVENT", "audit-error"}});
    }

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
    std::vector<logging::field> fields{{"EVENT", "audit"}, {"WHO", who}, {"WHAT", what}};
    const std::pair<const char*, const std::string*> optional[] = {
        {"METHOD", &method}, {"PATH", &path},     {"ACTION", &action},   {"TARGETS", &targets},
        {"JOB_ID", &job},    {"STATUS", &status}, {"ARGS_SHA256", &args}};
    for (const auto& [key, value] : optional) {
        if (!value->empty()) {
            fields.push_back({key, *value});
        }
    }
    std::string message = "audit: ";
    message += what;
    message += " by ";
    message += who;
    logging::write(logging::level::notice, message, fields);
}

std::string args_sha256(const json::value& args) {
    const std::string serialized = json::serialize(args);
    const sha256_digest digest = sha256(serialized);
    return to_hex(digest.data(), digest.size());
}

json::object audit_job_entry(const job_record& job) {
    json::object entry;
    entry["who"] = job.started_by;
    entry["what"] = job.kind == "call" ? std::string("action-call") : job.kind;
    if (!job.admin_request.method.empty()) {
        entry["method"] = job.admin_request.method;
        entry["path"] = job.admin_request.path;
    }
    entry["action"] = job.action;
    json::array targets;
    for (const auto& r : job.results) {
        targets.push_back(json::string(r.master));
    }
    entry["targets"] = std::move(targets);
    if (!job.selector.is_null()) {
        entry["selector"] = job.selector;
    }
    entry["args_sha256"] = args_sha256(job.args);
    // One word for the whole job: a single target's own status; for more, whether all, some or
    // none of them were ok.
    std::string status;
    if (job.results.empty()) {
        status = "no-targets";
    } else if (job.results.size() == 1) {
        status = to_string(job.results.front().status);
    } else if (job.summary.ok == job.results.size()) {
        status = "ok";
    } else {
        status = job.summary.ok == 0 ? "failed" : "partial";
    }
    entry["result"] =
        json::object{{"status", status},
                     {"summary", json::object{{"ok", job.summary.ok},
                                              {"error", job.summary.error},
                                              {"timeout", job.summary.timeout},
                                              {"disconnected", job.summary.disconnected}}}};
    entry["job"] = job.id;
    entry["started_at"] = format_rfc3339(job.started_at);
    entry["duration_ms"] = job.duration.count();
    return entry;
}

}  // namespace regcenter
