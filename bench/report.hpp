// The bench's output: one row per system and figure with the median and p99 of its samples,
// and the ratio regcenter/NATS of the medians; the same as JSON for bench/plot.sh.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

namespace regcenter::bench {

/// Samples of one figure on one system: a value per run (hold) or per operation (fan-out
/// latency, unicast latency), pooled over the runs.
struct series {
    std::vector<double> values;
    std::size_t failed = 0;  ///< sessions or operations that failed while measuring
};

double median(std::vector<double> v);
double p99(std::vector<double> v);

class report {
  public:
    explicit report(bool with_nats);

    /// Prints and records `figure` at size `n` for regcenter (`ours`) and NATS (`theirs`,
    /// ignored without NATS), and their ratio.
    void add(const std::string& figure, std::size_t n, const std::string& unit, const series& ours,
             const series& theirs);

    /// Prints and records a figure of one system only (the machine's own, say).
    void add_single(const std::string& system, const std::string& figure, std::size_t n,
                    const std::string& unit, const series& s) {
        row(system, figure, n, unit, s);
    }

    void write_json(const std::filesystem::path& path) const;
    std::size_t failed() const { return failed_; }

  private:
    void row(const std::string& system, const std::string& figure, std::size_t n,
             const std::string& unit, const series& s);

    bool with_nats_;
    boost::json::array results_;
    std::size_t failed_ = 0;
};

}  // namespace regcenter::bench
