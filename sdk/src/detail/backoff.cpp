// Exponential backoff with full jitter (see backoff.hpp).
#include "regcenter/detail/backoff.hpp"

#include <algorithm>

namespace regcenter::detail {

backoff::backoff(duration base, duration cap, std::uint64_t seed)
    : base_(std::max(base, duration::zero())), cap_(std::max(cap, duration::zero())), rng_(seed) {}

void backoff::set_base(duration base) {
    base_ = std::max(base, duration::zero());
}

backoff::duration backoff::ceiling() const {
    // Doubling step by step stops at the cap, so base * 2^n never overflows for large n.
    duration c = std::min(base_, cap_);
    for (std::size_t i = 0; i < attempt_ && c < cap_ && c > duration::zero(); ++i) {
        c = c > cap_ / 2 ? cap_ : c * 2;
    }
    return c;
}

backoff::duration backoff::next(duration floor) {
    const duration high = ceiling();
    const duration low = std::clamp(floor, duration::zero(), high);
    ++attempt_;
    std::uniform_int_distribution<duration::rep> pick(low.count(), high.count());
    return duration(pick(rng_));
}

}  // namespace regcenter::detail
