// Reconnect delays: exponential backoff with full jitter and a cap. Pure computation, no I/O,
// so the policy is unit-tested without sockets or clocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>

namespace regcenter::detail {

/// Attempt n (counting from 0 since the last reset) waits a uniformly random time in
/// [0, min(cap, base * 2^n)]. Spreading the waits over the whole range ("full jitter") keeps a
/// fleet of masters that lost the same center from reconnecting in one burst.
/// Not thread-safe; each center link owns one.
class backoff {
  public:
    using duration = std::chrono::milliseconds;

    /// `seed` makes the sequence reproducible in tests; production seeds from std::random_device.
    backoff(duration base, duration cap, std::uint64_t seed);

    /// Changes the base delay for the following waits; the attempt count is kept.
    void set_base(duration base);
    duration base() const { return base_; }
    duration cap() const { return cap_; }

    /// The upper bound of the next wait: min(cap, base * 2^attempt()), without overflow.
    duration ceiling() const;

    /// Draws the next wait and counts the attempt. The wait is at least min(floor, ceiling()):
    /// callers raise the floor for failures that can't be fixed within milliseconds (a rejected
    /// token), so full jitter never turns them into an immediate retry.
    duration next(duration floor = duration::zero());

    /// Back to attempt 0, after a session was established.
    void reset() { attempt_ = 0; }

    /// Waits drawn since the last reset.
    std::size_t attempt() const { return attempt_; }

  private:
    duration base_;
    duration cap_;
    std::size_t attempt_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace regcenter::detail
