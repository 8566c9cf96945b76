// A small Prometheus metrics registry: counters and fixed-bucket histograms that the hot path
// updates with one relaxed atomic operation each, gauges read from their source when scraped,
// and the text exposition format 0.0.4 rendered once per scrape.
//
// No lock and no allocation per update: a labelled series is looked up (under a small lock,
// allocating on first use) once per label value, and the caller keeps the stable reference it
// gets for the frequent updates. Rare events (a job, a disconnect) may simply look up each time.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace regcenter::metrics {

/// Only goes up; wraps after 2^64, which a scraper reads as a reset.
class counter {
  public:
    void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

/// Observations counted into buckets with fixed upper bounds (`le`), plus their sum.
class histogram {
  public:
    /// `upper_bounds` must be finite and strictly ascending; the +Inf bucket is implied.
    explicit histogram(std::vector<double> upper_bounds);

    void observe(double value);

    const std::vector<double>& upper_bounds() const { return bounds_; }
    /// Cumulative counts, one per upper bound and a last one for +Inf, which is the count. A
    /// scrape during observations sees each bucket at some moment: the cumulative counts are
    /// still non-decreasing because they are summed from one read of each bucket.
    std::vector<std::uint64_t> cumulative_counts() const;
    double sum() const { return sum_.load(std::memory_order_relaxed); }

  private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative
    std::atomic<double> sum_{0.0};
};

/// The series of one metric, told apart by the values of its labels.
template <class Metric>
class family {
  public:
    using factory = std::function<std::unique_ptr<Metric>()>;

    family(std::vector<std::string> label_names, factory make)
        : label_names_(std::move(label_names)), make_(std::move(make)) {}

    /// The series for these label values (one per label name, in order), created on first use.
    /// The reference stays valid as long as the family.
    Metric& with(std::initializer_list<std::string_view> values) {
        if (values.size() != label_names_.size()) {
            throw std::invalid_argument("wrong number of label values");
        }
        std::lock_guard lock(mutex_);
        auto it = series_.find(values);  // no allocation for a series that exists
        if (it == series_.end()) {
            it = series_.emplace(std::vector<std::string>(values.begin(), values.end()), make_())
                     .first;
        }
        return *it->second;
    }

    const std::vector<std::string>& label_names() const { return label_names_; }

    /// Calls `f(label_values, metric)` for every series, ordered by label values.
    template <class F>
    void for_each(F&& f) const {
        std::lock_guard lock(mutex_);
        for (const auto& [values, metric] : series_) {
            f(values, *metric);
        }
    }

  private:
    // Orders label values as vectors of strings do, and compares them with a list of views.
    struct values_less {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::lexicographical_compare(
                a.begin(), a.end(), b.begin(), b.end(),
                [](std::string_view x, std::string_view y) { return x < y; });
        }
    };

    const std::vector<std::string> label_names_;
    const factory make_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Metric>, values_less> series_;
};

/// Bounds the distinct values a label fed from outside (an action name a master chose) may
/// take, so that the exposition can't grow without bound: the first `limit` values pass, the
/// rest become `overflow`.
class label_limit {
  public:
    explicit label_limit(std::size_t limit, std::string overflow = "other")
        : limit_(limit), overflow_(std::move(overflow)) {}

    /// `value` if it was seen before or there is room for it, else the overflow value.
    std::string admit(std::string_view value);

  private:
    const std::size_t limit_;
    const std::string overflow_;
    std::mutex mutex_;
    std::set<std::string, std::less<>> seen_;
};

/// Every metric of a process, rendered sorted by name. Metrics are registered before
/// the first render (registration is not synchronized with rendering); updates and renders may
/// then run on any threads.
class registry {
  public:
    using label_pairs = std::vector<std::pair<std::string, std::string>>;

    registry();
    ~registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    /// A counter without labels.
    counter& add_counter(std::string name, std::string help);
    family<counter>& add_counter_family(std::string name, std::string help,
                                        std::vector<std::string> label_names);
    /// A histogram without labels.
    histogram& add_histogram(std::string name, std::string help, std::vector<double> bounds);
    family<histogram>& add_histogram_family(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds);
    /// A gauge whose value is read when scraped, for quantities something else already keeps
    /// (a registry's size): it can't drift from its source, and costs nothing between scrapes.
    /// `labels` are constant (e.g. build_info's version).
    void add_gauge(std::string name, std::string help, std::function<double()> read,
                   label_pairs labels = {});
    /// A counter whose value is read when scraped, for counts something else already keeps
    /// (the audit log's): the reader must only ever grow.
    void add_counter_fn(std::string name, std::string help, std::function<double()> read);

    /// The text exposition format 0.0.4: HELP and TYPE for each metric, then its samples.
    std::string render() const;

  private:
    struct entry;
    std::vector<std::unique_ptr<entry>> entries_;

    entry& add(std::string name, std::string help, const char* type);
    void add_read_at_scrape(std::string name, std::string help, const char* type,
                            std::function<double()> read, label_pairs labels);
};

/// "Content-Type" of the exposition.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace regcenter::metrics
