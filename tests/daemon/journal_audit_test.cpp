// The real regcenterd with log.sink: journal (a socket the test binds playing journald), and
// with an audit file: what reaches each, log.level and audit.file on SIGHUP, and no secrets.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "regcenter/common/sha256.hpp"
#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/journal_reader.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* admin_secret = "journal-admin-secret";
constexpr const char* master_secret = "journal-master-secret";

fs::path temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path dir = fs::temp_directory_path() /
                   ("regcenterd-journal-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string config_yaml(const std::string& log_section, const std::string& extra = "") {
    std::string text =
        "listen: 127.0.0.1:0\n"
        "admin:\n"
        "  listen: 127.0.0.1:0\n"
        "  token: ";
    text += admin_secret;
    text += "\nauth:\n  token: [";
    text += master_secret;
    text += "]\nlog:\n";
    text += log_section;
    text += extra;
    return text;
}

// How often `part` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++n;
    }
    return n;
}

tcp::endpoint loopback(const std::string& address) {
    const auto colon = address.rfind(':');
    return {net::ip::make_address(address.substr(0, colon)),
            static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))};
}

std::function<bool(const journal_entry&)> has(std::string name, std::string value) {
    return [name = std::move(name), value = std::move(value)](const journal_entry& e) {
        for (const auto& [k, v] : e) {
            if (k == name && v == value) {
                return true;
            }
        }
        return false;
    };
}

std::function<bool(const journal_entry&)> both(std::function<bool(const journal_entry&)> a,
                                               std::function<bool(const journal_entry&)> b) {
    return [a = std::move(a), b = std::move(b)](const journal_entry& e) { return a(e) && b(e); };
}

TEST(regcenterd_journal, records_go_to_the_journal_with_their_fields) {
    const fs::path dir = temp_dir();
    journal_collector journal;
    const fs::path config = dir / "regcenterd.yaml";
    const std::string log_info =
        "  level: info\n  sink: journal\n  journal_socket: " + journal.path() + "\n";
    write_file(config, config_yaml(log_info));
    child_process daemon({REGCENTERD_PATH, "--config", config.string()});

    const auto listening = journal.wait_for(has("MESSAGE", "center listening"), 20s);
    ASSERT_TRUE(listening) << daemon.output();
    const journal_entry started = journal.entry(*listening);
    EXPECT_EQ(journal_value(started, "PRIORITY"), "5");
    EXPECT_EQ(journal_value(started, "SYSLOG_IDENTIFIER"), "regcenterd");
    const auto masters = loopback(journal_value(started, "MASTERS_ADDR").value_or(""));
    const auto admin = loopback(journal_value(started, "ADMIN_ADDR").value_or(""));

    // A master's auth: EVENT=auth-success with its session id and the other fields.
    ws_client first(masters);
    const std::string id = first.authenticate(master_secret, "journal-master");
    const auto auth =
        journal.wait_for(both(has("EVENT", "auth-success"), has("SESSION_ID", id)), 10s);
    ASSERT_TRUE(auth) << "no auth-success entry for " << id;
    const journal_entry authenticated = journal.entry(*auth);
    EXPECT_EQ(journal_value(authenticated, "MESSAGE"), "master authenticated");
    EXPECT_EQ(journal_value(authenticated, "PRIORITY"), "6");
    EXPECT_EQ(journal_value(authenticated, "MASTER_NAME"), "journal-master");
    EXPECT_EQ(journal_value(authenticated, "REMOTE_ADDR"),
              "127.0.0.1:" + std::to_string(first.local_endpoint().port()));

    // At info, an admin request's debug record is not sent. Entries arrive in order, so once
    // the next master's auth-success is in, a debug entry before it would be too.
    const std::size_t before_get = journal.count();
    EXPECT_EQ(http_call(admin, http::verb::get, "/v1/masters", admin_secret).status, 200u);
    ws_client second(masters);
    const std::string second_id = second.authenticate(master_secret, "marker");
    const auto marker = journal.wait_for(has("SESSION_ID", second_id), 10s, before_get);
    ASSERT_TRUE(marker);
    const auto early_debug = journal.wait_for(has("PRIORITY", "7"), 0ms, before_get);
    EXPECT_TRUE(!early_debug || *early_debug > *marker) << "a debug record was sent at info";

    // log.level changes on SIGHUP for the journal too: now the debug record comes.
    write_file(
        config,
        config_yaml("  level: debug\n  sink: journal\n  journal_socket: " + journal.path() + "\n"));
    const std::size_t before_reload = journal.count();
    daemon.signal(SIGHUP);
    ASSERT_TRUE(journal.wait_for(has("MESSAGE", "configuration reloaded"), 10s, before_reload));
    const std::size_t after_reload = journal.count();
    EXPECT_EQ(http_call(admin, http::verb::get, "/v1/masters", admin_secret).status, 200u);
    const auto debug = journal.wait_for(
        both(has("MESSAGE", "admin request"), has("TARGET", "/v1/masters")), 10s, after_reload);
    ASSERT_TRUE(debug);
    EXPECT_EQ(journal_value(journal.entry(*debug), "PRIORITY"), "7");

    // Audit entries go to the journal with EVENT=audit.
    EXPECT_EQ(http_call(admin, http::verb::delete_, "/v1/masters/" + id, admin_secret).status,
              204u);
    const auto audit = journal.wait_for(both(has("EVENT", "audit"), has("WHAT", "kick")), 10s);
    ASSERT_TRUE(audit);
    const journal_entry kick = journal.entry(*audit);
    EXPECT_EQ(journal_value(kick, "TARGETS"), id);
    EXPECT_EQ(journal_value(kick, "WHO"), "admin:" + token_fingerprint(admin_secret));
    EXPECT_EQ(journal_value(kick, "STATUS"), "204");

    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(15s), 0) << daemon.output();
    ASSERT_TRUE(journal.wait_for(has("MESSAGE", "center stopped"), 10s));

    // Nothing went to the console, and no secret went anywhere.
    EXPECT_EQ(daemon.output().find("center listening"), std::string::npos) << daemon.output();
    const std::string raw = journal.raw();
    EXPECT_EQ(raw.find(master_secret), std::string::npos);
    EXPECT_EQ(raw.find(admin_secret), std::string::npos);
    for (std::size_t i = 0; i < journal.count(); ++i) {
        EXPECT_FALSE(journal_value(journal.entry(i), "PARSE_ERROR")) << "entry " << i;
    }
}

// A port that was free a moment ago: without a log, the test can't learn the one port 0 picks.
unsigned short free_port() {
    net::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return probe.local_endpoint().port();
}

TEST(regcenterd_journal, a_missing_journal_is_reported_once_and_the_daemon_runs_on) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    write_file(config, config_yaml("  sink: journal\n  journal_socket: " +
                                   (dir / "no-journal.sock").string() + "\n"));
    const tcp::endpoint admin(net::ip::make_address("127.0.0.1"), free_port());
    child_process daemon({REGCENTERD_PATH, "--config", config.string(), "--admin.listen",
                          "127.0.0.1:" + std::to_string(admin.port())});
    ASSERT_TRUE(daemon.wait_for_line("cannot send log records to the journal", 20s))
        << daemon.output();
    // It serves all the same, logging (and dropping) records as it goes.
    const auto healthy = [&] {
        try {
            return http_call(admin, http::verb::get, "/healthz", "", "", 1s).status == 200u;
        } catch (const std::exception&) {
            return false;
        }
    };
    ASSERT_TRUE(wait_for(healthy, 20s)) << daemon.output();
    EXPECT_EQ(http_call(admin, http::verb::get, "/v1/masters", admin_secret).status, 200u);
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(15s), 0) << daemon.output();
    EXPECT_EQ(occurrences(daemon.output(), "cannot send log records"), 1u) << daemon.output();
}

// ---- the audit file ---------------------------------------------------------------------------

std::vector<json::object> audit_lines(const fs::path& file) {
    std::ifstream in(file);
    std::vector<json::object> out;
    std::string line;
    while (std::getline(in, line)) {
        json::error_code ec;
        json::value v = json::parse(line, ec);
        EXPECT_FALSE(ec) << "not JSON: " << line;
        if (!ec) {
            EXPECT_TRUE(v.is_object()) << line;
            if (v.is_object()) {
                out.push_back(std::move(v.get_object()));
            }
        }
    }
    return out;
}

std::string sha256_hex(const std::string& text) {
    const auto digest = sha256(text);
    return to_hex(digest.data(), digest.size());
}

TEST(regcenterd_audit, token_add_action_call_and_kick_are_audited_and_sighup_reopens_the_file) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    const fs::path audit = dir / "audit.log";
    write_file(config, config_yaml("  level: info\n  sink: console\n",
                                   "audit:\n  file: " + audit.string() + "\n"));
    child_process daemon({REGCENTERD_PATH, "--config", config.string()});
    const auto listening = daemon.wait_for_line(
        R"(center listening MASTERS_ADDR=(127\.0\.0\.1:\d+) ADMIN_ADDR=(127\.0\.0\.1:\d+))", 20s);
    ASSERT_TRUE(listening) << daemon.output();
    const auto masters = loopback((*listening)[1]);
    const auto admin = loopback((*listening)[2]);
    const std::string who = "admin:" + token_fingerprint(admin_secret);

    // A raw master offering "echo", answering the call itself.
    ws_client master(masters);
    master.send_text(std::string(R"({"cmd":"auth","token":")") + master_secret +
                     R"(","name":"audited","actions":[{"name":"echo"}]})");
    const std::string id = std::get<proto::auth_success>(master.read_message()).session;

    const std::string added_secret = "daemon-audit-added-secret";
    auto added = http_call(admin, http::verb::post, "/v1/tokens", admin_secret,
                           R"({"token":")" + added_secret + R"("})");
    ASSERT_EQ(added.status, 201u) << added.body;

    http_result call;
    std::thread operator_thread([&] {
        call = http_call(admin, http::verb::post, "/v1/masters/" + id + "/actions/echo",
                         admin_secret, R"({"args":{"n":2},"input":"in"})", 10s);
    });
    const auto open = std::get<proto::stream_open>(master.read_message(10s));
    EXPECT_EQ(open.action, "echo");
    for (;;) {  // the input, then the center's end
        const ws_read r = master.read(10s);
        ASSERT_TRUE(r.what == ws_read::kind::binary || r.what == ws_read::kind::text);
        if (r.what == ws_read::kind::text) {
            EXPECT_TRUE(std::holds_alternative<proto::stream_end>(proto::decode(r.data).value()));
            break;
        }
    }
    master.send_binary(proto::encode_data_frame(open.stream, "OUT"));
    master.send(proto::stream_end{open.stream});
    operator_thread.join();
    ASSERT_EQ(call.status, 200u) << call.body;

    EXPECT_EQ(http_call(admin, http::verb::delete_, "/v1/masters/" + id, admin_secret).status,
              204u);

    // One line per change, in order; the call's is the job's, written before its answer.
    auto lines = audit_lines(audit);
    ASSERT_EQ(lines.size(), 3u);
    for (const auto& line : lines) {
        EXPECT_EQ(line.begin()->key(), "at");
        EXPECT_EQ(line.at("who"), who.c_str());
    }
    EXPECT_EQ(lines[0].at("what"), "token-add");
    EXPECT_EQ(lines[0].at("method"), "POST");
    EXPECT_EQ(lines[0].at("path"), "/v1/tokens");
    EXPECT_EQ(lines[0].at("targets"), json::array{token_fingerprint(added_secret).c_str()});
    EXPECT_EQ(lines[0].at("result"), json::parse(R"({"status":201,"summary":"added"})"));

    EXPECT_EQ(lines[1].at("what"), "action-call");
    EXPECT_EQ(lines[1].at("method"), "POST");
    EXPECT_EQ(lines[1].at("path"), ("/v1/masters/" + id + "/actions/echo").c_str());
    EXPECT_EQ(lines[1].at("action"), "echo");
    EXPECT_EQ(lines[1].at("targets"), json::array{id.c_str()});
    EXPECT_EQ(lines[1].at("args_sha256"), sha256_hex(R"({"n":2})").c_str());
    EXPECT_EQ(lines[1].at("job"), call.json().at("job"));
    EXPECT_EQ(lines[1].at("result").at("status"), "ok");
    EXPECT_EQ(lines[1].at("result").at("summary").at("ok"), 1);

    EXPECT_EQ(lines[2].at("what"), "kick");
    EXPECT_EQ(lines[2].at("method"), "DELETE");
    EXPECT_EQ(lines[2].at("targets"), json::array{id.c_str()});
    EXPECT_EQ(lines[2].at("result"), json::parse(R"({"status":204,"summary":"ok"})"));

    // logrotate: the file is moved away, SIGHUP, and the next lines go to a new file.
    fs::rename(audit, dir / "audit.log.1");
    const std::size_t mark = daemon.line_count();
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_line("configuration reloaded", 10s, mark)) << daemon.output();
    ASSERT_TRUE(fs::exists(audit));
    EXPECT_EQ(http_call(admin, http::verb::delete_,
                        "/v1/tokens/" + token_fingerprint(master_secret), admin_secret)
                  .status,
              204u);
    lines = audit_lines(audit);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("what"), "token-remove");
    EXPECT_EQ(lines[0].at("targets"), json::array{token_fingerprint(master_secret).c_str()});
    EXPECT_EQ(audit_lines(dir / "audit.log.1").size(), 3u);

    // Each entry went to the log too; no secret went to either.
    EXPECT_TRUE(daemon.wait_for_line("audit: token-remove by " + who + " EVENT=audit", 10s));
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(15s), 0) << daemon.output();
    std::string files;
    for (const auto& file : {audit, dir / "audit.log.1"}) {
        std::ifstream in(file);
        files.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    for (const std::string& secret :
         {std::string(admin_secret), std::string(master_secret), added_secret}) {
        EXPECT_EQ(files.find(secret), std::string::npos) << secret;
        EXPECT_EQ(daemon.output().find(secret), std::string::npos) << secret;
    }
}

// audit.log_jobs_per_second: every job reaches the file, only so many a second the log, and the
// log says how many it skipped; SIGHUP changes the limit (0: no copies, no reports).
TEST(regcenterd_audit, job_copies_in_the_log_are_limited_per_second_and_the_rest_counted) {
    const fs::path dir = temp_dir();
    const fs::path config = dir / "regcenterd.yaml";
    const fs::path audit = dir / "audit.log";
    const std::string audit_section = "audit:\n  file: " + audit.string() + "\n";
    write_file(config, config_yaml("  level: notice\n  sink: console\n",
                                   audit_section + "  log_jobs_per_second: 2\n"));
    child_process daemon({REGCENTERD_PATH, "--config", config.string()});
    const auto listening = daemon.wait_for_line(
        R"(center listening MASTERS_ADDR=(127\.0\.0\.1:\d+) ADMIN_ADDR=(127\.0\.0\.1:\d+))", 20s);
    ASSERT_TRUE(listening) << daemon.output();
    const auto admin = loopback((*listening)[2]);

    // Fan-outs that match no master: jobs that finish at once.
    auto fan_outs = [&](std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const http_result r = http_call(admin, http::verb::post, "/v1/actions/echo",
                                            admin_secret, R"({"selector":{"name":"nobody"}})");
            ASSERT_EQ(r.status, 200u) << r.body;
        }
    };
    auto count = [&](const std::string& part) { return occurrences(daemon.output(), part); };
    // The skipped copies the log reported, over all its reports.
    auto reported_skips = [&] {
        static const std::regex report(
            R"(were not copied to the log; the audit file has every entry )"
            R"(EVENT=audit-copies-skipped SKIPPED=(\d+) LIMIT=2)");
        const std::string out = daemon.output();
        std::size_t n = 0;
        for (std::sregex_iterator it(out.begin(), out.end(), report), end; it != end; ++it) {
            n += std::stoul((*it)[1]);
        }
        return n;
    };
    constexpr std::size_t jobs = 12;
    fan_outs(jobs);
    // With no job after them, the sweep reports the last skipped ones once their second ends.
    const bool all_accounted =
        wait_for([&] { return count("EVENT=audit WHO=") + reported_skips() == jobs; }, 10s);
    ASSERT_TRUE(all_accounted) << daemon.output();
    const std::size_t copied = count("EVENT=audit WHO=");
    EXPECT_GE(copied, 2u) << daemon.output();
    EXPECT_GT(reported_skips(), 0u) << daemon.output();
    EXPECT_EQ(audit_lines(audit).size(), jobs);
    const std::size_t reports = count("EVENT=audit-copies-skipped");
    const http_result scraped = http_call(admin, http::verb::get, "/metrics", admin_secret);
    ASSERT_EQ(scraped.status, 200u) << scraped.body;
    EXPECT_NE(
        scraped.body.find("\nregcenter_audit_entries_written_total " + std::to_string(jobs) + "\n"),
        std::string::npos)
        << scraped.body;
    EXPECT_NE(scraped.body.find("\nregcenter_audit_log_copies_skipped_total " +
                                std::to_string(reported_skips()) + "\n"),
              std::string::npos)
        << scraped.body;
    EXPECT_NE(scraped.body.find("\nregcenter_audit_write_errors_total 0\n"), std::string::npos)
        << scraped.body;

    // 0 on SIGHUP: no copies and no reports; the file still gets every job.
    write_file(config, config_yaml("  level: notice\n  sink: console\n",
                                   audit_section + "  log_jobs_per_second: 0\n"));
    const std::size_t mark = daemon.line_count();
    daemon.signal(SIGHUP);
    ASSERT_TRUE(daemon.wait_for_line("configuration reloaded", 10s, mark)) << daemon.output();
    fan_outs(3);
    EXPECT_EQ(audit_lines(audit).size(), jobs + 3);
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(15s), 0) << daemon.output();
    EXPECT_EQ(count("EVENT=audit WHO="), copied) << daemon.output();
    EXPECT_EQ(count("EVENT=audit-copies-skipped"), reports) << daemon.output();
}

}  // namespace
}  // namespace regcenter::test
