// The audit log against an in-process center with a real SDK master: one entry per admin
// change, one per job when it finishes (never both for one request), none for reads or refused
// credentials, and never a secret.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "regcenter/common/sha256.hpp"
#include "support/sdk_center_fixture.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

class audit_test : public sdk_center_test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("regcenter-audit-" + std::to_string(::getpid()) + "-" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        file_ = dir_ / "audit.log";
        options_.audit_file = file_.string();
        start_center_and_master("audited", [](master& m) { m.handle("echo", serve_echo); });
    }
    void TearDown() override {
        sdk_center_test::TearDown();
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    std::vector<json::object> entries() const {
        std::ifstream in(file_);
        std::vector<json::object> out;
        std::string line;
        while (std::getline(in, line)) {
            out.push_back(json::parse(line).as_object());
        }
        return out;
    }

    // The entries after the first `from`.
    std::vector<json::object> entries_since(std::size_t from) const {
        auto all = entries();
        all.erase(all.begin(),
                  all.begin() + static_cast<std::ptrdiff_t>(std::min(from, all.size())));
        return all;
    }

    // The only entry written by `call`, which must write exactly one.
    template <class Call>
    json::object one_entry(Call&& call) {
        const std::size_t before = entries().size();
        call();
        const auto added = entries_since(before);
        EXPECT_EQ(added.size(), 1u);
        if (added.empty()) {
            return {};
        }
        EXPECT_EQ(added.front().at("who"), who().c_str());
        return added.front();
    }

    static std::string who() { return "admin:" + token_fingerprint(admin_token); }

    static std::string sha256_hex(const std::string& text) {
        const auto digest = sha256(text);
        return to_hex(digest.data(), digest.size());
    }

    fs::path dir_;
    fs::path file_;
};

TEST_F(audit_test, each_admin_change_is_one_entry_and_reads_are_none) {
    // Reads, and requests refused for their credentials, are not audited.
    admin(http::verb::get, "/v1/masters");
    admin(http::verb::get, "/v1/tokens");
    admin(http::verb::get, "/v1/jobs");
    EXPECT_EQ(
        http_call(admin_ep(), http::verb::post, "/v1/tokens", "wrong", R"({"token":"x"})").status,
        401u);
    EXPECT_TRUE(entries().empty());

    auto e = one_entry([&] {
        EXPECT_EQ(admin(http::verb::post, "/v1/tokens", R"({"token":"audited-secret-1"})").status,
                  201u);
    });
    EXPECT_EQ(e.at("what"), "token-add");
    EXPECT_EQ(e.at("method"), "POST");
    EXPECT_EQ(e.at("path"), "/v1/tokens");
    EXPECT_EQ(e.at("targets"), json::array{token_fingerprint("audited-secret-1").c_str()});
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":201,"summary":"added"})"));
    EXPECT_FALSE(e.contains("args_sha256"));  // a token is never hashed into the log either

    e = one_entry(
        [&] { admin(http::verb::post, "/v1/tokens", R"({"token":"audited-secret-1"})"); });
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":200,"summary":"already-present"})"));

    e = one_entry([&] {
        admin(http::verb::put, "/v1/tokens", R"({"tokens":["master-token-1","audited-secret-2"]})");
    });
    EXPECT_EQ(e.at("what"), "tokens-replace");
    EXPECT_EQ(e.at("method"), "PUT");
    EXPECT_EQ(e.at("targets"), (json::array{token_fingerprint(master_token).c_str(),
                                            token_fingerprint("audited-secret-2").c_str()}));

    const std::string fp = token_fingerprint("audited-secret-2");
    e = one_entry([&] { EXPECT_EQ(admin(http::verb::delete_, "/v1/tokens/" + fp).status, 204u); });
    EXPECT_EQ(e.at("what"), "token-remove");
    EXPECT_EQ(e.at("targets"), json::array{fp.c_str()});
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":204,"summary":"ok"})"));
    e = one_entry([&] { admin(http::verb::delete_, "/v1/tokens/sha256:0000000000000000"); });
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":404,"summary":"token-not-found"})"));

    // Refused before any job started: the request's own entry.
    e = one_entry([&] {
        EXPECT_EQ(admin(http::verb::post, "/v1/masters/" + id_ + "/actions/echo", "{bad").status,
                  400u);
    });
    EXPECT_EQ(e.at("what"), "action-call");
    EXPECT_EQ(e.at("action"), "echo");
    EXPECT_EQ(e.at("targets"), json::array{id_.c_str()});
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":400,"summary":"bad-request"})"));
    EXPECT_FALSE(e.contains("job"));

    e = one_entry([&] {
        admin(http::verb::post, "/v1/actions/echo",
              R"({"dry_run":true,"args":{"a":1},"selector":{"name":"audited"}})");
    });
    EXPECT_EQ(e.at("what"), "fan-out-dry-run");
    EXPECT_EQ(e.at("targets"), json::array{id_.c_str()});
    EXPECT_EQ(e.at("selector"), json::parse(R"({"name":"audited"})"));
    EXPECT_EQ(e.at("args_sha256"), sha256_hex(R"({"a":1})").c_str());

    e = one_entry([&] { EXPECT_EQ(admin(http::verb::post, "/v1/jobs").status, 405u); });
    EXPECT_EQ(e.at("what"), "request");
    EXPECT_EQ(e.at("result").at("summary"), "method-not-allowed");

    e = one_entry([&] {
        EXPECT_EQ(admin(http::verb::delete_, "/v1/masters/" + std::string(32, 'f')).status, 404u);
    });
    EXPECT_EQ(e.at("what"), "kick");
    EXPECT_EQ(e.at("result").at("summary"), "master-not-found");
    e = one_entry(
        [&] { EXPECT_EQ(admin(http::verb::delete_, "/v1/masters/" + id_).status, 204u); });
    EXPECT_EQ(e.at("what"), "kick");
    EXPECT_EQ(e.at("method"), "DELETE");
    EXPECT_EQ(e.at("path"), ("/v1/masters/" + id_).c_str());
    EXPECT_EQ(e.at("targets"), json::array{id_.c_str()});
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":204,"summary":"ok"})"));

    // No secret anywhere: not the tokens, not the admin token.
    std::ifstream in(file_);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* secret : {"audited-secret-1", "audited-secret-2", master_token, admin_token}) {
        EXPECT_EQ(text.find(secret), std::string::npos) << secret;
    }
}

TEST_F(audit_test, a_job_is_one_entry_written_when_it_finishes) {
    // A call: the entry is on disk before the answer.
    http_result answer;
    auto e = one_entry([&] {
        answer = admin(http::verb::post, "/v1/masters/" + id_ + "/actions/echo",
                       R"({"args":{"k":1},"input":"hi"})");
    });
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(e.at("what"), "action-call");
    EXPECT_EQ(e.at("method"), "POST");
    EXPECT_EQ(e.at("path"), ("/v1/masters/" + id_ + "/actions/echo").c_str());
    EXPECT_EQ(e.at("action"), "echo");
    EXPECT_EQ(e.at("targets"), json::array{id_.c_str()});
    EXPECT_EQ(e.at("args_sha256"), sha256_hex(R"({"k":1})").c_str());
    EXPECT_EQ(e.at("result"),
              json::parse(
                  R"({"status":"ok","summary":{"ok":1,"error":0,"timeout":0,"disconnected":0}})"));
    EXPECT_EQ(e.at("job"), answer.json().at("job"));
    EXPECT_TRUE(e.contains("started_at"));
    EXPECT_TRUE(e.contains("duration_ms"));

    // A fan-out that answers at once: its only entry comes when the job is done.
    const std::size_t before = entries().size();
    answer = admin(http::verb::post, "/v1/actions/echo", R"({"wait":false,"input":"x"})");
    ASSERT_EQ(answer.status, 202u) << answer.body;
    const json::value job = answer.json().at("job");
    ASSERT_TRUE(wait_for([&] { return entries().size() > before; }));
    auto added = entries_since(before);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].at("what"), "fan-out");
    EXPECT_EQ(added[0].at("job"), job);
    EXPECT_EQ(added[0].at("path"), "/v1/actions/echo");
    EXPECT_EQ(added[0].at("args_sha256"), sha256_hex("null").c_str());
    EXPECT_EQ(added[0].at("selector"), json::object());
    EXPECT_EQ(added[0].at("result").at("status"), "ok");

    // A fan-out nobody can run is still a job, with no targets.
    e = one_entry([&] { admin(http::verb::post, "/v1/actions/nothing", "{}"); });
    EXPECT_EQ(e.at("what"), "fan-out");
    EXPECT_EQ(e.at("targets"), json::array());
    EXPECT_EQ(e.at("result").at("status"), "no-targets");

    // A stream: a GET with an upgrade, audited when it ends.
    const std::size_t before_stream = entries().size();
    {
        ws_client ws(admin_ep(), "/v1/masters/" + id_ + "/actions/echo/stream?args=%7B%7D", 5s,
                     admin_token);
        ws.send_binary("abc");
        ws.send_text(R"({"cmd":"end"})");
        EXPECT_EQ(ws.wait_closed(10s), 1000);
    }
    ASSERT_TRUE(wait_for([&] { return entries().size() > before_stream; }));
    added = entries_since(before_stream);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].at("what"), "stream");
    EXPECT_EQ(added[0].at("method"), "GET");
    EXPECT_EQ(added[0].at("path"), ("/v1/masters/" + id_ + "/actions/echo/stream").c_str());
    EXPECT_EQ(added[0].at("args_sha256"), sha256_hex("{}").c_str());
    EXPECT_EQ(added[0].at("result").at("status"), "ok");

    // A stream refused before it started.
    e = one_entry([&] {
        EXPECT_THROW(
            {
                ws_client refused(admin_ep(),
                                  "/v1/masters/" + std::string(32, 'e') + "/actions/echo/stream",
                                  5s, admin_token);
            },
            std::system_error);
    });
    EXPECT_EQ(e.at("what"), "stream");
    EXPECT_EQ(e.at("result"), json::parse(R"({"status":404,"summary":"master-not-found"})"));

    // Jobs started in-process are audited too, as "api" without a request.
    const std::size_t before_api = entries().size();
    fan_out_request request;
    request.action = "echo";
    center_->fan_out(std::move(request));
    ASSERT_TRUE(wait_for([&] { return entries().size() > before_api; }));
    added = entries_since(before_api);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].at("who"), "api");
    EXPECT_FALSE(added[0].contains("method"));

    // Exactly one entry per job.
    std::map<std::string, int> per_job;
    for (const auto& entry : entries()) {
        if (const auto* id = entry.if_contains("job")) {
            ++per_job[std::string(id->as_string())];
        }
    }
    EXPECT_EQ(per_job.size(), 5u);
    for (const auto& [id, count] : per_job) {
        EXPECT_EQ(count, 1) << id;
    }
    EXPECT_EQ(center_->state().audit().errors(), 0u);
}

}  // namespace
}  // namespace regcenter::test
