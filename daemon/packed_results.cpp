#include "packed_results.hpp"

#include <algorithm>
#include <limits>
#include <memory>

namespace regcenter {
namespace {

// Pieces longer than an entry can say are cut; only an output could be, and outputs are
// bounded far below (call_request::max_output, max_fan_out_output).
std::uint32_t length_of(std::string_view s) {
    return static_cast<std::uint32_t>(
        std::min<std::size_t>(s.size(), std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace

packed_results::packed_results(const std::vector<job_result>& results) {
    std::size_t total = 0;
    for (const job_result& r : results) {
        total += r.master.size() + r.name.size() + r.output.size();
        if (r.error) {
            total += r.error->code.size() + r.error->message.size();
        }
    }
    text_.reserve(total);
    entries_.reserve(results.size());
    for (const job_result& r : results) {
        const std::string_view error_code = r.error ? r.error->code : std::string_view();
        const std::string_view error_message = r.error ? r.error->message : std::string_view();
        const std::string_view piece_text[pieces] = {r.master, r.name, r.output, error_code,
                                                     error_message};
        entry e{};
        for (int p = 0; p < pieces; ++p) {
            e.length[p] = length_of(piece_text[p]);
            text_.append(piece_text[p].substr(0, e.length[p]));
        }
        e.output_bytes = r.output_bytes;
        e.duration_ms = static_cast<std::uint32_t>(std::clamp<std::int64_t>(
            r.duration.count(), 0, std::numeric_limits<std::uint32_t>::max()));
        e.status = r.status;
        e.has_error = r.error != nullptr;
        output_size_ += e.length[output];
        entries_.push_back(e);
    }
}

std::vector<job_result> packed_results::unpack() const {
    std::vector<job_result> out;
    out.reserve(entries_.size());
    std::size_t at = 0;
    const auto take = [&](std::uint32_t length) {
        std::string s = text_.substr(at, length);
        at += length;
        return s;
    };
    for (const entry& e : entries_) {
        job_result r;
        r.master = take(e.length[master]);
        r.name = take(e.length[name]);
        r.output = take(e.length[output]);
        std::string code = take(e.length[error_code]);
        std::string message = take(e.length[error_message]);
        if (e.has_error) {
            r.error =
                std::make_shared<const job_error>(job_error{std::move(code), std::move(message)});
        }
        r.output_bytes = e.output_bytes;
        r.duration = std::chrono::milliseconds(e.duration_ms);
        r.status = e.status;
        out.push_back(std::move(r));
    }
    return out;
}

std::size_t packed_results::drop_outputs() {
    if (output_size_ == 0) {
        return 0;
    }
    std::string kept;
    kept.reserve(text_.size() - output_size_);
    std::size_t at = 0;
    for (entry& e : entries_) {
        for (int p = 0; p < pieces; ++p) {
            if (p != output) {
                kept.append(text_, at, e.length[p]);
            }
            at += e.length[p];
        }
        e.length[output] = 0;
    }
    text_ = std::move(kept);
    const std::size_t dropped = output_size_;
    output_size_ = 0;
    return dropped;
}

}  // namespace regcenter
