// regcenterctl run and jobs against a real regcenterd and test masters: fan-outs by id, label,
// name and to all, per-master results, failures, dry runs and the job history.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "cli_fixture.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The table row of `master` in a results table.
std::string row_of(const std::string& table, const std::string& master) {
    const auto start = table.find("\n" + master + " ");
    if (start == std::string::npos) {
        return "";
    }
    return table.substr(start + 1, table.find('\n', start + 1) - start - 1);
}

TEST_F(cli_test, run_on_all_masters_prints_one_row_each) {
    start_daemon();
    const std::string a = start_master("web-1");
    const std::string b = start_master("web-2");

    auto r = ctl({"run", "echo", "--all", "--args", R"("hi")", "--input", "hello\n"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("MASTER")) << r.out;
    for (const char* column : {"NAME", "STATUS", "DURATION", "OUTPUT"}) {
        EXPECT_TRUE(contains(r.out.substr(0, r.out.find('\n')), column)) << column;
    }
    for (const auto& [id, name] : {std::pair{a, "web-1"}, std::pair{b, "web-2"}}) {
        const std::string row = row_of(r.out, id);
        EXPECT_TRUE(contains(row, name)) << r.out;
        EXPECT_TRUE(contains(row, " ok ")) << r.out;
        // The output's one trailing newline is trimmed: the row ends with it.
        EXPECT_TRUE(row.ends_with("  hello")) << row;
    }
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
}

TEST_F(cli_test, run_selects_by_master_label_and_name) {
    start_daemon();
    const std::string a = start_master("web-1", {"zone=a"});
    const std::string b = start_master("web-2", {"zone=b"});
    const std::string c = start_master("db-1", {"zone=b"});

    auto r = ctl({"run", "uppercase", "--master", a, "--input", "abc"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(row_of(r.out, a).ends_with("ABC")) << r.out;
    EXPECT_FALSE(contains(r.out, b));

    r = ctl({"run", "sum", "--label", "zone=b", "--input", "1 2 3 -10"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(row_of(r.out, b).ends_with("-4")) << r.out;
    EXPECT_TRUE(row_of(r.out, c).ends_with("-4")) << r.out;
    EXPECT_FALSE(contains(r.out, a));

    r = ctl({"run", "sum", "--label", "zone=b", "--name", "db-1", "--input", "2 2"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(row_of(r.out, c).ends_with("4")) << r.out;
    EXPECT_FALSE(contains(r.out, b));

    r = ctl({"run", "echo", "--label", "zone=nowhere"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "no master matches the selector (--label zone=nowhere)")) << r.err;
}

TEST_F(cli_test, run_exits_1_when_a_target_fails) {
    start_daemon();
    const std::string id = start_master("web-1");
    auto r = ctl({"run", "fail", "--all"});
    EXPECT_EQ(r.status, 1) << r.describe();
    const std::string row = row_of(r.out, id);
    EXPECT_TRUE(contains(row, " error ")) << r.out;
    EXPECT_TRUE(contains(row, "boom")) << r.out;
    EXPECT_TRUE(contains(r.err, "1 of 1 target failed (error: 1)")) << r.err;

    r = ctl({"run", "slow", "--master", id, "--args", R"({"ms":10000})", "--timeout", "200ms"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(row_of(r.out, id), " timeout ")) << r.out;

    // A master that is not connected is a failed target, not a silent no-op.
    r = ctl({"run", "echo", "--master", "0123456789abcdef0123456789abcdef"});
    EXPECT_EQ(r.status, 1) << r.describe();
}

TEST_F(cli_test, run_shows_binary_output_by_size_and_json_as_is) {
    start_daemon();
    const std::string id = start_master("web-1");
    auto r = ctl({"run", "produce", "--master", id, "--args", R"({"bytes":1000})"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(row_of(r.out, id).ends_with("<1000 bytes binary>")) << r.out;

    r = ctl({"run", "slow", "--all", "--args", R"({"ms":20})", "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    const json::value job = json::parse(r.out);
    EXPECT_EQ(job.at("state").as_string(), "done");
    EXPECT_EQ(job.at("action").as_string(), "slow");
    ASSERT_EQ(job.at("results").as_array().size(), 1u);
    EXPECT_EQ(job.at("results").at(0).at("output").as_string(), "done");
    EXPECT_EQ(job.at("results").at(0).at("master").as_string(), id);

    // Binary input travels base64-encoded (padded, here) and arrives unchanged.
    const std::string binary("\x00\xff\x01 tail\n", 8);
    r = ctl({"run", "echo", "--master", id, "--input-file", write_file("in", binary).string(),
             "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(json::parse(r.out).at("results").at(0).at("output_base64").as_string(),
              "AP8BIHRhaWw=");
}

TEST_F(cli_test, dry_run_lists_the_targets_without_running) {
    start_daemon();
    const std::string a = start_master("web-1");
    const std::string b = start_master("web-2");
    const auto jobs_before = admin(http::verb::get, "/v1/jobs").json().at("jobs").as_array().size();

    auto r = ctl({"run", "echo", "--all", "--dry-run"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("MASTER  ")) << r.out;
    EXPECT_TRUE(contains(r.out, a));
    EXPECT_TRUE(contains(r.out, b));
    EXPECT_TRUE(contains(r.err, "dry run: echo would run on 2 masters; nothing was run")) << r.err;

    r = ctl({"run", "echo", "--master", a, "--dry-run", "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    const json::value plan = json::parse(r.out);
    EXPECT_TRUE(plan.at("dry_run").as_bool());
    ASSERT_EQ(plan.at("targets").as_array().size(), 1u);
    EXPECT_EQ(plan.at("targets").at(0).at("master").as_string(), a);

    r = ctl({"run", "no-such-action", "--all", "--dry-run"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(
        r.err, "2 masters match the selector (--all) but none offers action no-such-action"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "skipped " + a)) << r.err;

    EXPECT_EQ(admin(http::verb::get, "/v1/jobs").json().at("jobs").as_array().size(), jobs_before);
}

TEST_F(cli_test, jobs_lists_runs_and_shows_one_with_its_results) {
    start_daemon();
    const std::string a = start_master("web-1");
    const std::string b = start_master("web-2");
    auto r = ctl({"run", "uppercase", "--all", "--input", "x", "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    const std::string job(json::parse(r.out).at("job").as_string());

    r = ctl({"jobs"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.starts_with("JOB")) << r.out;
    const std::string row = row_of(r.out, job);
    EXPECT_TRUE(contains(row, "uppercase")) << r.out;
    EXPECT_TRUE(contains(row, "done")) << r.out;
    EXPECT_TRUE(contains(row, "2/2")) << r.out;
    EXPECT_TRUE(contains(row, "2 ok, 0 failed")) << r.out;

    r = ctl({"jobs", "--json", "--limit", "1"});
    ASSERT_EQ(r.status, 0) << r.describe();
    const json::value list = json::parse(r.out);
    ASSERT_EQ(list.at("jobs").as_array().size(), 1u);
    EXPECT_EQ(list.at("jobs").at(0).at("job").as_string(), job);

    r = ctl({"jobs", job});
    ASSERT_EQ(r.status, 0) << r.describe();
    for (const std::string& text : std::vector<std::string>{
             "JOB:", job, "ACTION:", "uppercase", "STATE:", "TARGETS:", "2/2 done, 2 ok, 0 failed",
             "MASTER", "OUTPUT"}) {
        EXPECT_TRUE(contains(r.out, text)) << text << "\n" << r.out;
    }
    EXPECT_TRUE(row_of(r.out, a).ends_with("X")) << r.out;
    EXPECT_TRUE(row_of(r.out, b).ends_with("X")) << r.out;

    r = ctl({"jobs", job, "--json"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_EQ(json::parse(r.out).at("results").as_array().size(), 2u);

    r = ctl({"jobs", "no-such-job"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "job-not-found")) << r.err;
}

}  // namespace
}  // namespace regcenter::test
