// The job store: one status per target, running jobs always kept, history within its bounds.
#include <gtest/gtest.h>

#include "job_store.hpp"

namespace regcenter {
namespace {

job_record job_with(std::size_t targets, std::string kind = "fan-out") {
    job_record r;
    r.kind = std::move(kind);
    r.action = "work";
    for (std::size_t i = 0; i < targets; ++i) {
        job_result t;
        t.master = "m" + std::to_string(i);
        t.name = "name" + std::to_string(i);
        r.results.push_back(std::move(t));
    }
    return r;
}

job_result outcome(std::string_view status, std::string output = {}) {
    job_result r;
    r.status = job_status_from(status);
    r.output_bytes = output.size();
    r.output = std::move(output);
    return r;
}

TEST(job_store, each_target_gets_exactly_one_status_and_the_summary_counts_them) {
    job_store store({});
    const std::string id = store.start(job_with(4));
    EXPECT_EQ(id.size(), 16u);
    EXPECT_FALSE(store.record(id, 0, outcome("ok", "out")));
    EXPECT_FALSE(store.record(id, 0, outcome("error")));  // a second status is ignored
    EXPECT_FALSE(store.record(id, 1, outcome("timeout")));
    EXPECT_FALSE(store.record(id, 2, outcome("not-found")));
    EXPECT_FALSE(store.record(id, 99, outcome("ok")));  // no such target
    auto running = store.find(id);
    ASSERT_TRUE(running);
    EXPECT_FALSE(running->done);
    EXPECT_EQ(running->finished_targets, 3u);
    EXPECT_EQ(running->results[3].status, job_status::pending);
    EXPECT_EQ(store.running(), 1u);

    job_record finished;
    EXPECT_TRUE(store.record(id, 3, outcome("error"), &finished));
    EXPECT_TRUE(finished.done);
    EXPECT_EQ(finished.summary.ok, 1u);
    EXPECT_EQ(finished.summary.timeout, 1u);
    EXPECT_EQ(finished.summary.disconnected, 1u);
    EXPECT_EQ(finished.summary.error, 1u);
    EXPECT_EQ(finished.results[0].master, "m0");  // identity kept from the start
    EXPECT_EQ(finished.results[0].name, "name0");
    EXPECT_EQ(finished.results[0].output, "out");
    EXPECT_EQ(store.running(), 0u);
}

TEST(job_store, the_history_keeps_the_newest_jobs_and_every_running_one) {
    job_store store({.jobs = 3});
    const std::string long_running = store.start(job_with(1));
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) {
        ids.push_back(store.start(job_with(1)));
        store.record(ids.back(), 0, outcome("ok"));
    }
    EXPECT_TRUE(store.find(long_running));  // running: never dropped
    for (int i = 0; i < 7; ++i) {
        EXPECT_FALSE(store.find(ids[i])) << i;
    }
    for (int i = 7; i < 10; ++i) {
        EXPECT_TRUE(store.find(ids[i])) << i;
    }
    const auto recent = store.recent(100);
    ASSERT_EQ(recent.size(), 4u);
    EXPECT_EQ(recent[0].id, ids[9]);  // newest first
    EXPECT_EQ(recent[3].id, long_running);
    EXPECT_TRUE(recent[0].results.empty());  // a brief copy
    EXPECT_EQ(recent[0].targets, 1u);
    EXPECT_EQ(store.recent(2).size(), 2u);
}

TEST(job_store, results_over_the_bound_drop_whole_old_jobs) {
    job_store store({.jobs = 100, .results = 10});
    const std::string a = store.start(job_with(6));
    const std::string b = store.start(job_with(6));
    for (std::size_t i = 0; i < 6; ++i) {
        store.record(a, i, outcome("ok"));
    }
    EXPECT_TRUE(store.find(a));
    for (std::size_t i = 0; i < 6; ++i) {
        store.record(b, i, outcome("ok"));
    }
    EXPECT_FALSE(store.find(a));  // 12 results > 10: the older job went
    EXPECT_TRUE(store.find(b));
}

TEST(job_store, outputs_over_the_budget_are_dropped_oldest_first_keeping_statuses) {
    job_store store({.jobs = 100,
                     .results = 1000,
                     .output_bytes = 100,
                     .output_grace = std::chrono::seconds(0)});
    const std::string a = store.start(job_with(1));
    store.record(a, 0, outcome("ok", std::string(60, 'a')));
    const std::string b = store.start(job_with(1));
    store.record(b, 0, outcome("ok", std::string(60, 'b')));
    const auto old = store.find(a);
    ASSERT_TRUE(old);
    EXPECT_TRUE(old->outputs_dropped);
    EXPECT_EQ(old->results[0].output, "");
    EXPECT_EQ(old->results[0].output_bytes, 60u);  // the size stays
    EXPECT_EQ(old->results[0].status, job_status::ok);
    const auto fresh = store.find(b);
    ASSERT_TRUE(fresh);
    EXPECT_FALSE(fresh->outputs_dropped);
    EXPECT_EQ(fresh->results[0].output, std::string(60, 'b'));
}

TEST(job_store, a_job_just_finished_keeps_its_outputs_for_the_grace_period) {
    // A client that started a job without waiting fetches its results after it finished: a
    // job bigger than the whole budget must not lose them at once.
    job_store store({.jobs = 100, .results = 1000, .output_bytes = 100});
    const std::string big = store.start(job_with(2));
    store.record(big, 0, outcome("ok", std::string(80, 'a')));
    store.record(big, 1, outcome("ok", std::string(80, 'b')));
    const auto job = store.find(big);
    ASSERT_TRUE(job);
    EXPECT_FALSE(job->outputs_dropped);
    EXPECT_EQ(job->results[1].output, std::string(80, 'b'));
}

TEST(job_store, a_job_without_targets_finishes_at_once) {
    job_store store({.jobs = 1});
    const std::string id = store.start(job_with(0));
    // finish() hands back the record itself: with a history of one, a lookup afterwards
    // could already miss it.
    auto job = store.finish(id);
    ASSERT_TRUE(job);
    EXPECT_TRUE(job->done);
    EXPECT_EQ(store.running(), 0u);
    EXPECT_FALSE(store.finish("unknown"));
}

TEST(job_store, a_brief_copy_has_the_progress_without_results) {
    job_store store({});
    const std::string id = store.start(job_with(3));
    store.record(id, 1, outcome("ok", "x"));
    const auto brief = store.find(id, false);
    ASSERT_TRUE(brief);
    EXPECT_TRUE(brief->results.empty());
    EXPECT_EQ(brief->targets, 3u);
    EXPECT_EQ(brief->finished_targets, 1u);
    EXPECT_EQ(brief->summary.ok, 1u);
}

TEST(job_status, every_status_reads_back_from_its_word_and_unknown_words_are_errors) {
    for (job_status s : {job_status::pending, job_status::ok, job_status::error,
                         job_status::timeout, job_status::disconnected, job_status::not_found}) {
        EXPECT_EQ(job_status_from(to_string(s)), s) << to_string(s);
    }
    EXPECT_EQ(to_string(job_status::not_found), "not-found");
    EXPECT_EQ(job_status_from("exploded"), job_status::error);
}

}  // namespace
}  // namespace regcenter
