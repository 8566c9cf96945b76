// Waiting on conditions with a deadline instead of sleeping for a fixed time.
#pragma once

#include <chrono>
#include <thread>

namespace regcenter::test {

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns its
/// final value. Timeouts are generous because CI machines are slow, never because tests wait.
template <class Condition>
bool wait_for(Condition&& condition,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return condition();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

}  // namespace regcenter::test
