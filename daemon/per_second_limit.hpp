// At most N admissions per second, counting the ones turned away so that the caller can say
// how many once, instead of once per refusal (the audit log's copies in the daemon's log).
#pragma once

#include <chrono>
#include <cstdint>
#include <utility>

namespace regcenter {

class per_second_limit {
  public:
    using clock = std::chrono::steady_clock;

    explicit per_second_limit(std::uint32_t per_second) : per_second_(per_second) {}

    /// Whether one more may pass at `now`: at most per_second() in each second, a second
    /// starting at the first call after the previous one ended. A refusal is counted for
    /// take_refused().
    bool admit(clock::time_point now) {
        roll(now);
        if (used_ < per_second_) {
            ++used_;
            return true;
        }
        ++refused_;
        return false;
    }

    /// The refusals of the seconds that have ended by `now`, each counted once: 0 while the
    /// second with refusals still runs, and after they were taken.
    std::uint64_t take_refused(clock::time_point now) {
        roll(now);
        return std::exchange(ended_refused_, 0);
    }

    std::uint32_t per_second() const { return per_second_; }
    /// A new rate, applied from now on; refusals counted so far are kept.
    void set_per_second(std::uint32_t per_second) { per_second_ = per_second; }

  private:
    void roll(clock::time_point now) {
        if (now - second_start_ >= std::chrono::seconds(1)) {
            second_start_ = now;
            used_ = 0;
            ended_refused_ += std::exchange(refused_, 0);
        }
    }

    std::uint32_t per_second_;
    clock::time_point second_start_{};
    std::uint32_t used_ = 0;
    std::uint64_t refused_ = 0;        // in the current second
    std::uint64_t ended_refused_ = 0;  // in seconds that ended, not taken yet
};

}  // namespace regcenter
