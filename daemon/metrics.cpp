// The registry and the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
#include "metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace regcenter::metrics {
namespace {

bool valid_name(std::string_view name, bool allow_colon) {
    const auto first_ok = [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
               (allow_colon && c == ':');
    };
    if (name.empty() || !first_ok(name.front())) {
        return false;
    }
    return std::all_of(name.begin() + 1, name.end(),
                       [&](char c) { return first_ok(c) || (c >= '0' && c <= '9'); });
}

void check_names(const std::string& name, const std::vector<std::string>& label_names) {
    if (!valid_name(name, true)) {
        throw std::invalid_argument("invalid metric name \"" + name + "\"");
    }
    for (const auto& label : label_names) {
        // "le" is the histogram's bucket label; names starting with "__" are reserved.
        if (!valid_name(label, false) || label == "le" || label.starts_with("__")) {
            throw std::invalid_argument("invalid label name \"" + label + "\" of " + name);
        }
    }
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (quote && c == '"') {
            out += "\\\"";
        } else {
            out += c;
        }
    }
}

void append_number(std::string& out, std::uint64_t value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

// The shortest text that reads back as the same double, as Go's clients write it: whole numbers
// (counts) as integers, others in fixed notation unless their exponent is below -4 or at least
// 21 ("0.0005", not "5e-04", and an `le` label reads the way people type it in queries).
void append_number(std::string& out, double value) {
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buffer[400];  // fixed notation of the largest double needs 309 digits
    if (std::abs(value) < 1e15 && value == std::trunc(value)) {
        const auto result =
            std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
        out.append(buffer, result.ptr);
        return;
    }
    auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    const std::string_view scientific(buffer, static_cast<std::size_t>(result.ptr - buffer));
    const std::string_view digits = scientific.substr(scientific.find('e') + 1);
    int exponent = 0;
    std::from_chars(digits.data() + (digits.front() == '+' ? 1 : 0), digits.data() + digits.size(),
                    exponent);
    if (exponent < -4 || exponent >= 21) {
        out += scientific;
        return;
    }
    result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    out.append(buffer, result.ptr);
}

// name{a="x",b="y"[,le="…"]}
void append_series(std::string& out, std::string_view name, std::string_view suffix,
                   const std::vector<std::string>& label_names,
                   const std::vector<std::string>& label_values, std::string_view le = {}) {
    out += name;
    out += suffix;
    if (label_names.empty() && le.empty()) {
        return;
    }
    out += '{';
    for (std::size_t i = 0; i < label_names.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += label_names[i];
        out += "=\"";
        append_escaped(out, i < label_values.size() ? label_values[i] : std::string_view{}, true);
        out += '"';
    }
    if (!le.empty()) {
        if (!label_names.empty()) {
            out += ',';
        }
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

// A gauge, or a counter something else keeps: read when scraped.
struct scraped_value {
    std::function<double()> read;
    std::vector<std::string> label_names;
    std::vector<std::string> label_values;
};

}  // namespace

// ---- histogram ------------------------------------------------------------------------------

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
            throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
        }
    }
}

void histogram::observe(double value) {
    // The first bucket whose upper bound is >= value ("le" is inclusive); else +Inf.
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> histogram::cumulative_counts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        total += counts_[i].load(std::memory_order_relaxed);
        out[i] = total;
    }
    return out;
}

// ---- label_limit ----------------------------------------------------------------------------

std::string label_limit::admit(std::string_view value) {
    std::lock_guard lock(mutex_);
    if (seen_.find(value) != seen_.end()) {
        return std::string(value);
    }
    if (seen_.size() >= limit_) {
        return overflow_;
    }
    return *seen_.emplace(value).first;
}

// ---- registry -------------------------------------------------------------------------------

struct registry::entry {
    std::string name;
    std::string help;
    const char* type = "untyped";
    std::variant<std::monostate, family<counter>, family<histogram>, scraped_value> metric;
};

registry::registry() = default;
registry::~registry() = default;

registry::entry& registry::add(std::string name, std::string help, const char* type) {
    for (const auto& e : entries_) {
        if (e->name == name) {
            throw std::invalid_argument("metric \"" + name + "\" registered twice");
        }
    }
    auto e = std::make_unique<entry>();
    e->name = std::move(name);
    e->help = std::move(help);
    e->type = type;
    entries_.push_back(std::move(e));
    return *entries_.back();
}

counter& registry::add_counter(std::string name, std::string help) {
    return add_counter_family(std::move(name), std::move(help), {}).with({});
}

family<counter>& registry::add_counter_family(std::string name, std::string help,
                                              std::vector<std::string> label_names) {
    check_names(name, label_names);
    entry& e = add(std::move(name), std::move(help), "counter");
    return e.metric.emplace<family<counter>>(std::move(label_names),
                                             [] { return std::make_unique<counter>(); });
}

histogram& registry::add_histogram(std::string name, std::string help, std::vector<double> bounds) {
    return add_histogram_family(std::move(name), std::move(help), {}, std::move(bounds)).with({});
}

family<histogram>& registry::add_histogram_family(std::string name, std::string help,
                                                  std::vector<std::string> label_names,
                                                  std::vector<double> bounds) {
    check_names(name, label_names);
    histogram check(bounds);  // reports bad bounds now rather than at first use
    entry& e = add(std::move(name), std::move(help), "histogram");
    return e.metric.emplace<family<histogram>>(
        std::move(label_names),
        [bounds = std::move(bounds)] { return std::make_unique<histogram>(bounds); });
}

void registry::add_gauge(std::string name, std::string help, std::function<double()> read,
                         label_pairs labels) {
    add_read_at_scrape(std::move(name), std::move(help), "gauge", std::move(read),
                       std::move(labels));
}

void registry::add_counter_fn(std::string name, std::string help, std::function<double()> read) {
    add_read_at_scrape(std::move(name), std::move(help), "counter", std::move(read), {});
}

void registry::add_read_at_scrape(std::string name, std::string help, const char* type,
                                  std::function<double()> read, label_pairs labels) {
    scraped_value g;
    g.read = std::move(read);
    for (auto& [label, value] : labels) {
        g.label_names.push_back(std::move(label));
        g.label_values.push_back(std::move(value));
    }
    check_names(name, g.label_names);
    entry& e = add(std::move(name), std::move(help), type);
    e.metric.emplace<scraped_value>(std::move(g));
}

std::string registry::render() const {
    // By name, as Prometheus' own clients write them: a reader finds a metric where it expects.
    std::vector<const entry*> sorted;
    for (const auto& e : entries_) {
        sorted.push_back(e.get());
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const entry* a, const entry* b) { return a->name < b->name; });
    std::string out;
    out.reserve(4096);
    for (const entry* e : sorted) {
        out += "# HELP ";
        out += e->name;
        out += ' ';
        append_escaped(out, e->help, false);
        out += "\n# TYPE ";
        out += e->name;
        out += ' ';
        out += e->type;
        out += '\n';
        if (const auto* counters = std::get_if<family<counter>>(&e->metric)) {
            counters->for_each([&](const std::vector<std::string>& values, const counter& c) {
                append_series(out, e->name, "", counters->label_names(), values);
                out += ' ';
                append_number(out, c.value());
                out += '\n';
            });
        } else if (const auto* histograms = std::get_if<family<histogram>>(&e->metric)) {
            const auto& names = histograms->label_names();
            histograms->for_each([&](const std::vector<std::string>& values, const histogram& h) {
                const std::vector<std::uint64_t> counts = h.cumulative_counts();
                for (std::size_t i = 0; i < counts.size(); ++i) {
                    std::string le;
                    if (i < h.upper_bounds().size()) {
                        append_number(le, h.upper_bounds()[i]);
                    } else {
                        le = "+Inf";
                    }
                    append_series(out, e->name, "_bucket", names, values, le);
                    out += ' ';
                    append_number(out, counts[i]);
                    out += '\n';
                }
                append_series(out, e->name, "_sum", names, values);
                out += ' ';
                append_number(out, h.sum());
                out += '\n';
                append_series(out, e->name, "_count", names, values);
                out += ' ';
                append_number(out, counts.back());
                out += '\n';
            });
        } else if (const auto* value = std::get_if<scraped_value>(&e->metric)) {
            append_series(out, e->name, "", value->label_names, value->label_values);
            out += ' ';
            append_number(out, value->read());
            out += '\n';
        }
    }
    return out;
}

}  // namespace regcenter::metrics
