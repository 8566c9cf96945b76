// A job as the admin API answers it: the text written directly for a finished fan-out must be
// the document a boost::json tree of the same members would serialize to.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin_routes.hpp"
#include "job.hpp"
#include "regcenter/common/base64.hpp"

namespace regcenter {
namespace {
namespace json = boost::json;

// The members in the order the API has always written them, built as a tree.
json::value expected_document(const job_record& job) {
    json::object out = admin::job_to_json(job);
    out["args"] = job.args;
    if (!job.selector.is_null()) {
        out["selector"] = job.selector;
    }
    json::array results;
    for (const auto& r : job.results) {
        json::object o{{"master", r.master},
                       {"name", r.name},
                       {"status", to_string(r.status)},
                       {"duration_ms", r.duration.count()},
                       {"output_bytes", r.output_bytes}};
        if (!r.output.empty()) {
            admin::put_output(o, r.output);
        }
        if (r.error) {
            o["error"] = json::object{{"code", r.error->code}, {"message", r.error->message}};
        }
        results.push_back(std::move(o));
    }
    out["results"] = std::move(results);
    json::array skipped;
    for (const auto& s : job.skipped) {
        skipped.push_back(
            json::object{{"master", s.master}, {"name", s.name}, {"reason", s.reason}});
    }
    out["skipped"] = std::move(skipped);
    return out;
}

job_result result(std::string master, job_status status, std::string output) {
    job_result r;
    r.master = std::move(master);
    r.name = "web-\"1\"\n";
    r.status = status;
    r.output_bytes = output.size();
    r.output = std::move(output);
    r.duration = std::chrono::milliseconds(42);
    return r;
}

TEST(job_json, a_finished_fan_out_is_written_as_its_tree_would_serialize) {
    job_record job;
    job.id = "0123456789abcdef";
    job.kind = "fan-out";
    job.action = "deploy";
    job.args = json::parse(R"({"version":"1.2","flags":[true,null,3.5]})");
    job.selector = json::parse(R"({"labels":{"zone":"eu-1"}})");
    job.started_by = "admin:sha256:abc";
    job.done = true;
    job.outputs_dropped = true;
    job.duration = std::chrono::milliseconds(1500);
    job.results.push_back(result("a1", job_status::ok, "text with \"quotes\", \\ and \t tab"));
    job.results.push_back(result("a2", job_status::ok, std::string("\xff\x00\x01 binary", 10)));
    auto failed = result("a3", job_status::error, "partial output before it failed");
    failed.error = std::make_shared<const job_error>(job_error{"boom", "it \"failed\"\x01"});
    job.results.push_back(std::move(failed));
    job.results.push_back(result("a4", job_status::timeout, ""));
    job.results.push_back(result("a5", job_status::pending, ""));
    job.skipped.push_back({"b1", "old", "unknown-action"});
    job.skipped.push_back({"b2", "", "selector-mismatch"});
    job.targets = job.results.size();

    const std::string text = admin::job_to_json_text(job);
    EXPECT_EQ(text, json::serialize(expected_document(job)));

    // The head comes from job_to_json, which the oracle shares: checked on its own here.
    const json::object parsed = json::parse(text).as_object();
    EXPECT_EQ(parsed.at("job"), "0123456789abcdef");
    EXPECT_EQ(parsed.at("kind"), "fan-out");
    EXPECT_EQ(parsed.at("state"), "done");
    EXPECT_EQ(parsed.at("duration_ms"), 1500);
    EXPECT_EQ(parsed.at("targets"), 5);
    EXPECT_EQ(parsed.at("outputs_dropped"), true);
    EXPECT_EQ(parsed.at("args"), job.args);
    const json::array& results = parsed.at("results").as_array();
    ASSERT_EQ(results.size(), 5u);
    EXPECT_EQ(results[1].at("output_base64"), json::value(base64_encode(job.results[1].output)));
    EXPECT_EQ(results[2].at("output"), "partial output before it failed");
    EXPECT_EQ(results[2].at("error").at("code"), "boom");
}

TEST(job_json, a_job_without_results_selector_or_skipped_masters_is_still_whole) {
    job_record job;
    job.id = "fedcba9876543210";
    job.kind = "call";
    job.action = "noop";
    const std::string text = admin::job_to_json_text(job);
    EXPECT_EQ(text, json::serialize(expected_document(job)));
    EXPECT_NE(text.find(R"("state":"running")"), std::string::npos);
    EXPECT_NE(text.find(R"("args":null,"results":[],"skipped":[]})"), std::string::npos);
    EXPECT_EQ(text.find("selector"), std::string::npos);
}

}  // namespace
}  // namespace regcenter
