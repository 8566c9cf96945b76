// The audit log's file: one JSON line per entry, "at" first, reopened on request (logrotate),
// write errors counted and retried; and the entry of a finished job.
#include "audit_log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "job.hpp"
#include "regcenter/common/sha256.hpp"

namespace regcenter {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

// Log copies of finished jobs a second: more than any test here makes.
constexpr std::uint32_t copies = 100;

class audit_log_test : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(::testing::TempDir()) /
               ("regcenter-audit-" + std::to_string(::getpid()) + "-" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    static std::vector<json::object> lines(const fs::path& file) {
        std::ifstream in(file);
        std::vector<json::object> out;
        std::string line;
        while (std::getline(in, line)) {
            out.push_back(json::parse(line).as_object());  // throws if a line is not JSON
        }
        return out;
    }

    fs::path dir_;
};

TEST_F(audit_log_test, appends_one_json_line_per_entry_with_the_time_first) {
    const fs::path file = dir_ / "audit.log";
    {
        std::ofstream(file) << R"({"earlier":"line"})" << '\n';  // appended to, never truncated
    }
    audit_log log(file.string(), copies);
    log.record({{"who", "admin:sha256:0011223344556677"},
                {"what", "kick"},
                {"targets", json::array{"a"}}});
    log.record({{"who", "api"}, {"what", "fan-out"}});
    EXPECT_EQ(log.written(), 2u);
    EXPECT_EQ(log.errors(), 0u);
    const auto got = lines(file);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].at("earlier"), "line");
    EXPECT_EQ(got[1].begin()->key(), "at");
    const std::string at(got[1].at("at").as_string());
    EXPECT_EQ(at.size(), 24u) << at;  // 2026-11-25T12:53:21.042Z
    EXPECT_EQ(at.back(), 'Z');
    EXPECT_EQ(got[1].at("who"), "admin:sha256:0011223344556677");
    EXPECT_EQ(got[1].at("what"), "kick");
    EXPECT_EQ(got[1].at("targets"), json::array{"a"});
    EXPECT_EQ(got[2].at("what"), "fan-out");
}

TEST_F(audit_log_test, creates_a_file_others_cannot_read) {
    const fs::path file = dir_ / "new.log";
    audit_log log(file.string(), copies);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0007, 0u);
    EXPECT_EQ(st.st_mode & 0022, 0u);
}

TEST_F(audit_log_test, without_a_path_nothing_is_written_and_nothing_fails) {
    audit_log log("", copies);
    log.record({{"what", "kick"}});
    EXPECT_EQ(log.written(), 0u);
    EXPECT_EQ(log.errors(), 0u);
    EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(audit_log_test, reopen_after_a_rename_starts_a_new_file) {
    const fs::path file = dir_ / "audit.log";
    audit_log log(file.string(), copies);
    log.record({{"what", "first"}});
    fs::rename(file, dir_ / "audit.log.1");  // what logrotate does
    log.record({{"what", "second"}});        // still the renamed file, as with any open file
    log.reopen(file.string());
    log.record({{"what", "third"}});
    const auto rotated = lines(dir_ / "audit.log.1");
    ASSERT_EQ(rotated.size(), 2u);
    EXPECT_EQ(rotated[0].at("what"), "first");
    EXPECT_EQ(rotated[1].at("what"), "second");
    const auto fresh = lines(file);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(fresh[0].at("what"), "third");

    // A new path from the configuration, and no file at all.
    log.reopen((dir_ / "other.log").string());
    log.record({{"what", "fourth"}});
    log.reopen("");
    log.record({{"what", "fifth"}});
    EXPECT_EQ(lines(dir_ / "other.log").size(), 1u);
    EXPECT_EQ(lines(file).size(), 1u);
    EXPECT_EQ(log.written(), 4u);
}

TEST_F(audit_log_test, an_unwritable_file_is_counted_and_retried_at_the_next_entry) {
    const fs::path file = dir_ / "missing-folder" / "audit.log";
    audit_log log(file.string(), copies);  // the open fails: counted, not thrown
    EXPECT_EQ(log.errors(), 1u);
    log.record({{"what", "lost"}});
    EXPECT_EQ(log.errors(), 2u);
    EXPECT_EQ(log.written(), 0u);
    fs::create_directories(file.parent_path());
    log.record({{"what", "kept"}});
    EXPECT_EQ(log.written(), 1u);
    EXPECT_EQ(log.errors(), 2u);
    const auto got = lines(file);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].at("what"), "kept");
}

TEST(audit_entry, args_are_hashed_as_compact_json) {
    const json::value args = json::parse(R"({ "k" : [1, 2] })");
    const auto digest = sha256(R"({"k":[1,2]})");
    EXPECT_EQ(args_sha256(args), to_hex(digest.data(), digest.size()));
    const auto null_digest = sha256("null");
    EXPECT_EQ(args_sha256(json::value()), to_hex(null_digest.data(), null_digest.size()));
}

TEST(audit_entry, a_finished_fan_out) {
    job_record job;
    job.id = "0123456789abcdef";
    job.kind = "fan-out";
    job.action = "echo";
    job.args = json::parse(R"({"secret-looking":"value"})");
    job.selector = json::parse(R"({"labels":{"zone":"eu"}})");
    job.started_by = "admin:sha256:aaaaaaaaaaaaaaaa";
    job.admin_request = {"POST", "/v1/actions/echo"};
    job.started_at = std::chrono::system_clock::now() - 1500ms;
    job.duration = 1500ms;
    job.done = true;
    for (const char* status : {"ok", "timeout"}) {
        job_result r;
        r.master = std::string("m-") + status;
        r.status = job_status_from(status);
        r.output = "output is never audited";
        job.results.push_back(r);
    }
    job.summary.ok = 1;
    job.summary.timeout = 1;
    const json::object e = audit_job_entry(job);
    EXPECT_EQ(e.at("who"), "admin:sha256:aaaaaaaaaaaaaaaa");
    EXPECT_EQ(e.at("what"), "fan-out");
    EXPECT_EQ(e.at("method"), "POST");
    EXPECT_EQ(e.at("path"), "/v1/actions/echo");
    EXPECT_EQ(e.at("action"), "echo");
    EXPECT_EQ(e.at("targets"), (json::array{"m-ok", "m-timeout"}));
    EXPECT_EQ(e.at("selector"), job.selector);
    EXPECT_EQ(e.at("args_sha256"), args_sha256(job.args).c_str());
    EXPECT_EQ(e.at("result").at("status"), "partial");
    EXPECT_EQ(e.at("result").at("summary"),
              json::parse(R"({"ok":1,"error":0,"timeout":1,"disconnected":0})"));
    EXPECT_EQ(e.at("job"), "0123456789abcdef");
    EXPECT_EQ(e.at("duration_ms"), 1500);
    const std::string text = json::serialize(e);
    EXPECT_EQ(text.find("secret-looking"), std::string::npos) << text;
    EXPECT_EQ(text.find("never audited"), std::string::npos) << text;
}

TEST(audit_entry, a_call_started_in_process_has_no_request_and_its_own_status) {
    job_record job;
    job.kind = "call";
    job.action = "load";
    job.started_by = "api";
    job.done = true;
    job_result r;
    r.master = "m1";
    r.status = job_status::error;
    job.results.push_back(r);
    job.summary.error = 1;
    const json::object e = audit_job_entry(job);
    EXPECT_EQ(e.at("what"), "action-call");
    EXPECT_FALSE(e.contains("method"));
    EXPECT_FALSE(e.contains("path"));
    EXPECT_FALSE(e.contains("selector"));
    EXPECT_EQ(e.at("result").at("status"), "error");

    job_record empty;
    empty.kind = "fan-out";
    empty.done = true;
    EXPECT_EQ(audit_job_entry(empty).at("result").at("status"), "no-targets");
}

job_record finished_call() {
    job_record job;
    job.id = "fedcba9876543210";
    job.kind = "call";
    job.action = "echo";
    job.args = json::parse(R"({"n":1})");
    job.started_by = "admin:sha256:bbbbbbbbbbbbbbbb";
    job.admin_request = {"POST", "/v1/masters/m1/actions/echo"};
    job.started_at = std::chrono::system_clock::now() - 20ms;
    job.duration = 20ms;
    job.done = true;
    job_result r;
    r.master = "m1";
    r.status = job_status::timeout;
    job.results.push_back(r);
    job.summary.timeout = 1;
    return job;
}

// The line after its timestamp and level: what a console sink prints for one record.
std::string without_time(const std::string& line) {
    const auto level = line.find(' ');
    return level == std::string::npos ? line : line.substr(level + 1);
}

// record_job() makes the log copy from the job itself, and the JSON entry only for the file:
// both must be what record(audit_job_entry(job)) writes.
TEST_F(audit_log_test, a_job_s_entry_and_log_copy_are_those_of_its_json_entry) {
    const job_record job = finished_call();
    const fs::path file = dir_ / "audit.jsonl";
    audit_log log(file.string(), copies);

    std::ostringstream captured;
    std::streambuf* const console = std::clog.rdbuf(captured.rdbuf());
    log.record_job(job);
    log.record(audit_job_entry(job));
    std::clog.rdbuf(console);

    std::vector<std::string> printed;
    std::istringstream in(captured.str());
    for (std::string line; std::getline(in, line);) {
        if (line.find("EVENT=audit") != std::string::npos) {
            printed.push_back(without_time(line));
        }
    }
    ASSERT_EQ(printed.size(), 2u) << captured.str();
    EXPECT_EQ(printed[0], printed[1]);
    for (const char* field : {"WHO=admin:sha256:bbbbbbbbbbbbbbbb", "WHAT=action-call",
                              "METHOD=POST", "PATH=/v1/masters/m1/actions/echo", "ACTION=echo",
                              "TARGETS=m1", "JOB_ID=fedcba9876543210", "STATUS=timeout"}) {
        EXPECT_NE(printed[0].find(field), std::string::npos) << field << " in " << printed[0];
    }
    EXPECT_NE(printed[0].find("ARGS_SHA256=" + args_sha256(job.args)), std::string::npos);

    auto entries = lines(file);
    ASSERT_EQ(entries.size(), 2u);
    for (json::object& e : entries) {
        EXPECT_TRUE(e.contains("at"));
        e.erase("at");
    }
    EXPECT_EQ(entries[0], entries[1]);
    EXPECT_EQ(entries[0], audit_job_entry(job));
}

// Over audit.log_jobs_per_second, a job's entry still reaches the file but not the log; the
// log says how many it skipped once their second is over.
TEST_F(audit_log_test, job_copies_in_the_log_are_limited_and_the_skipped_ones_reported) {
    const job_record job = finished_call();
    const fs::path file = dir_ / "audit.jsonl";
    audit_log log(file.string(), 2);

    std::ostringstream captured;
    std::streambuf* const console = std::clog.rdbuf(captured.rdbuf());
    for (int i = 0; i < 5; ++i) {
        log.record_job(job);
    }
    log.record({{"who", "admin:sha256:0011223344556677"}, {"what", "kick"}});  // never limited
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (captured.str().find("EVENT=audit-copies-skipped") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
        log.report_skipped_copies();
    }
    log.report_skipped_copies();  // reported once only
    std::clog.rdbuf(console);

    std::size_t copies = 0;
    std::size_t reports = 0;
    std::string report;
    std::istringstream in(captured.str());
    for (std::string line; std::getline(in, line);) {
        if (line.find("EVENT=audit ") != std::string::npos || line.ends_with("EVENT=audit")) {
            ++copies;
        }
        if (line.find("EVENT=audit-copies-skipped") != std::string::npos) {
            ++reports;
            report = line;
        }
    }
    EXPECT_EQ(copies, 3u) << captured.str();  // two jobs and the kick
    ASSERT_EQ(reports, 1u) << captured.str();
    EXPECT_NE(report.find("SKIPPED=3"), std::string::npos) << report;
    EXPECT_NE(report.find("LIMIT=2"), std::string::npos) << report;
    EXPECT_NE(report.find("the audit file has every entry"), std::string::npos) << report;
    EXPECT_EQ(log.skipped_copies(), 3u);
    EXPECT_EQ(lines(file).size(), 6u);
}

}  // namespace
}  // namespace regcenter
