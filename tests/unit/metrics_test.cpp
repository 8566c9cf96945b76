// The metrics registry: values, histogram buckets, label limits and the text exposition format.
#include "metrics.hpp"

#include <limits>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace regcenter::metrics {
namespace {

TEST(metrics, the_exposition_has_help_type_and_escaped_samples) {
    registry r;
    counter& events = r.add_counter("test_events_total", "Events.\nA \\ and a \"quote\".");
    events.inc();
    events.inc(2);
    family<counter>& requests =
        r.add_counter_family("test_requests_total", "Requests.", {"path", "code"});
    requests.with({"/a", "200"}).inc(5);
    requests.with({"say \"hi\"\n\\", "500"}).inc();
    histogram& latency = r.add_histogram("test_latency_seconds", "Latency.", {0.25, 1, 2.5});
    for (const double v : {0.125, 0.25, 0.5, 3.0}) {
        latency.observe(v);
    }
    family<histogram>& jobs = r.add_histogram_family("test_job_seconds", "Jobs.", {"kind"}, {1});
    jobs.with({"call"}).observe(2);
    r.add_gauge("test_build_info", "Build.", [] { return 1.0; }, {{"version", "1.2.3"}});
    r.add_gauge("test_temperature", "Temperature.", [] { return -1.5; });

    EXPECT_EQ(r.render(),  // sorted by name
              "# HELP test_build_info Build.\n"
              "# TYPE test_build_info gauge\n"
              "test_build_info{version=\"1.2.3\"} 1\n"
              "# HELP test_events_total Events.\\nA \\\\ and a \"quote\".\n"
              "# TYPE test_events_total counter\n"
              "test_events_total 3\n"
              "# HELP test_job_seconds Jobs.\n"
              "# TYPE test_job_seconds histogram\n"
              "test_job_seconds_bucket{kind=\"call\",le=\"1\"} 0\n"
              "test_job_seconds_bucket{kind=\"call\",le=\"+Inf\"} 1\n"
              "test_job_seconds_sum{kind=\"call\"} 2\n"
              "test_job_seconds_count{kind=\"call\"} 1\n"
              "# HELP test_latency_seconds Latency.\n"
              "# TYPE test_latency_seconds histogram\n"
              "test_latency_seconds_bucket{le=\"0.25\"} 2\n"
              "test_latency_seconds_bucket{le=\"1\"} 3\n"
              "test_latency_seconds_bucket{le=\"2.5\"} 3\n"
              "test_latency_seconds_bucket{le=\"+Inf\"} 4\n"
              "test_latency_seconds_sum 3.875\n"
              "test_latency_seconds_count 4\n"
              "# HELP test_requests_total Requests.\n"
              "# TYPE test_requests_total counter\n"
              "test_requests_total{path=\"/a\",code=\"200\"} 5\n"
              "test_requests_total{path=\"say \\\"hi\\\"\\n\\\\\",code=\"500\"} 1\n"
              "# HELP test_temperature Temperature.\n"
              "# TYPE test_temperature gauge\n"
              "test_temperature -1.5\n");
}

TEST(metrics, a_counter_kept_elsewhere_is_read_at_each_scrape_and_typed_counter) {
    registry r;
    double kept = 7;
    r.add_counter_fn("test_written_total", "Written.", [&kept] { return kept; });
    EXPECT_EQ(r.render(),
              "# HELP test_written_total Written.\n"
              "# TYPE test_written_total counter\n"
              "test_written_total 7\n");
    kept = 9;
    EXPECT_NE(r.render().find("\ntest_written_total 9\n"), std::string::npos);
}

TEST(metrics, a_family_without_series_still_has_help_and_type) {
    registry r;
    r.add_counter_family("test_empty_total", "Nothing yet.", {"reason"});
    EXPECT_EQ(r.render(),
              "# HELP test_empty_total Nothing yet.\n"
              "# TYPE test_empty_total counter\n");
}

TEST(metrics, histogram_buckets_are_cumulative_and_inclusive) {
    histogram h({1, 2});
    EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{0, 0, 0}));
    h.observe(-5);  // below every bound: the first bucket
    h.observe(1);   // on a bound: that bucket ("le")
    h.observe(1.5);
    h.observe(1000);  // only +Inf
    EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{2, 3, 4}));
    EXPECT_DOUBLE_EQ(h.sum(), 997.5);
}

TEST(metrics, special_values_are_written_as_prometheus_reads_them) {
    registry r;
    r.add_gauge("test_inf", "x", [] { return std::numeric_limits<double>::infinity(); });
    r.add_gauge("test_nan", "x", [] { return std::numeric_limits<double>::quiet_NaN(); });
    r.add_gauge("test_small", "x", [] { return 0.0005; });
    r.add_gauge("test_tiny", "x", [] { return 0.00005; });
    r.add_gauge("test_whole", "x", [] { return 2e6; });
    r.add_gauge("test_huge", "x", [] { return 1e300; });
    r.add_gauge("test_negative", "x", [] { return -0.25; });
    const std::string text = r.render();
    for (const char* sample :
         {"\ntest_inf +Inf\n", "\ntest_nan NaN\n", "\ntest_small 0.0005\n", "\ntest_tiny 5e-05\n",
          "\ntest_whole 2000000\n", "\ntest_huge 1e+300\n", "\ntest_negative -0.25\n"}) {
        EXPECT_NE(text.find(sample), std::string::npos) << sample << " not in\n" << text;
    }
}

TEST(metrics, series_are_stable_and_counted_without_loss_across_threads) {
    registry r;
    family<counter>& f = r.add_counter_family("test_total", "x", {"k"});
    counter& a = f.with({"a"});
    EXPECT_EQ(&a, &f.with({"a"}));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100000; ++i) {
                a.inc();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(a.value(), 400000u);
}

TEST(metrics, a_label_limit_folds_values_past_it_into_other) {
    label_limit limit(2);
    EXPECT_EQ(limit.admit("a"), "a");
    EXPECT_EQ(limit.admit("b"), "b");
    EXPECT_EQ(limit.admit("c"), "other");
    EXPECT_EQ(limit.admit("a"), "a");  // values seen before keep their series
    EXPECT_EQ(limit.admit("d"), "other");
}

TEST(metrics, invalid_names_bounds_and_label_counts_are_refused) {
    registry r;
    EXPECT_THROW(r.add_counter("1st_total", "x"), std::invalid_argument);
    EXPECT_THROW(r.add_counter("with-dash_total", "x"), std::invalid_argument);
    EXPECT_THROW(r.add_counter_family("test_total", "x", {"le"}), std::invalid_argument);
    EXPECT_THROW(r.add_counter_family("test_total", "x", {"__name"}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("test_seconds", "x", {1, 1}), std::invalid_argument);
    EXPECT_THROW(r.add_histogram("test_seconds", "x", {std::numeric_limits<double>::infinity()}),
                 std::invalid_argument);
    family<counter>& f = r.add_counter_family("test_total", "x", {"a", "b"});
    EXPECT_THROW(f.with({"only-one"}), std::invalid_argument);
    // A second HELP and TYPE for one name would make the whole exposition invalid.
    EXPECT_THROW(r.add_gauge("test_total", "x", [] { return 0.0; }), std::invalid_argument);
    EXPECT_EQ(content_type, "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace regcenter::metrics
