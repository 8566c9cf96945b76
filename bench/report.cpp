#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <boost/json.hpp>

namespace regcenter::bench {

double median(std::vector<double> v) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double p99(std::vector<double> v) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1,
                      static_cast<std::size_t>(static_cast<double>(v.size()) * 0.99))];
}

report::report(bool with_nats) : with_nats_(with_nats) {
    std::printf("%-10s %-28s %7s %12s %12s %-12s %7s %6s\n", "system", "figure", "N", "median",
                "p99", "unit", "samples", "failed");
}

void report::row(const std::string& system, const std::string& figure, std::size_t n,
                 const std::string& unit, const series& s) {
    std::printf("%-10s %-28s %7zu %12.2f %12.2f %-12s %7zu %6zu\n", system.c_str(), figure.c_str(),
                n, median(s.values), p99(s.values), unit.c_str(), s.values.size(), s.failed);
    std::fflush(stdout);
    failed_ += s.failed;
    boost::json::object row{{"system", system},           {"figure", figure},     {"n", n},
                            {"median", median(s.values)}, {"p99", p99(s.values)}, {"unit", unit},
                            {"failed", s.failed}};
    // Per-run values are kept for the record; thousands of latency samples are not.
    if (s.values.size() <= 10) {
        row["values"] = boost::json::value_from(s.values);
    }
    results_.push_back(std::move(row));
}

void report::add(const std::string& figure, std::size_t n, const std::string& unit,
                 const series& ours, const series& theirs) {
    row("regcenter", figure, n, unit, ours);
    if (!with_nats_) {
        return;
    }
    row("nats", figure, n, unit, theirs);
    const double theirs_median = median(theirs.values);
    const double ratio = theirs_median != 0 ? median(ours.values) / theirs_median : 0;
    std::printf("%-10s %-28s %7zu %12.2f\n", "ratio", figure.c_str(), n, ratio);
    results_.push_back(
        boost::json::object{{"system", "ratio"}, {"figure", figure}, {"n", n}, {"median", ratio}});
}

void report::write_json(const std::filesystem::path& path) const {
    std::ofstream(path) << boost::json::serialize(boost::json::object{{"results", results_}})
                        << "\n";
}

}  // namespace regcenter::bench
