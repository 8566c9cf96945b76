// The timing wheel under one small lock; sessions push from their strands, the sweep takes on
// its timer.
#include "deadline_queue.hpp"

#include <algorithm>
#include <utility>

namespace regcenter {
namespace {

// The wheel covers the horizon plus a tick on each side; past this many slots an entry just
// waits for further turns, which bounds the memory of a wheel with a tiny tick.
constexpr std::size_t max_slots = 4096;

// A slot that held a burst (a fleet that connected at once) gives its memory back once empty
// instead of keeping it for a turn of the wheel.
constexpr std::size_t kept_slot_capacity = 64;

}  // namespace

deadline_queue::deadline_queue(clock::duration tick, clock::duration horizon)
    : origin_(clock::now()), tick_(std::max(tick, clock::duration(1))) {
    const auto slots = static_cast<std::size_t>(std::max(horizon, clock::duration(0)) / tick_) + 2;
    slots_.resize(std::min(slots, max_slots));
}

std::int64_t deadline_queue::tick_of(clock::time_point t) const {
    const clock::rep since = (t - origin_).count();
    return since <= 0 ? 0 : (since + tick_.count() - 1) / tick_.count();
}

std::int64_t deadline_queue::ended_tick(clock::time_point now) const {
    const clock::rep since = (now - origin_).count();
    return since < 0 ? -1 : since / tick_.count();
}

deadline_queue::clock::time_point deadline_queue::tick_end(clock::time_point now) const {
    return origin_ + (ended_tick(now) + 1) * tick_;
}

void deadline_queue::push(entry e) {
    std::lock_guard lock(mutex_);
    // A tick already taken is not visited again before a whole turn: such an entry (due
    // already) goes to the first tick still to come.
    const std::int64_t tick = std::max(tick_of(e.due), next_tick_);
    slots_[static_cast<std::size_t>(tick) % slots_.size()].push_back(std::move(e));
    ++size_;
}

void deadline_queue::take_due(clock::time_point now, std::size_t max, std::vector<entry>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    const std::int64_t current = ended_tick(now);
    const auto slots = static_cast<std::int64_t>(slots_.size());
    // However far behind the sweep is, one turn over the wheel finds every due entry.
    const std::int64_t last = std::min(current, next_tick_ + slots - 1);
    for (; next_tick_ <= last; ++next_tick_) {
        std::vector<entry>& slot = slots_[static_cast<std::size_t>(next_tick_ % slots)];
        for (std::size_t i = 0; i < slot.size();) {
            if (tick_of(slot[i].due) > current) {
                ++i;  // a later turn's entry
                continue;
            }
            if (out.size() == max) {
                size_ -= out.size();
                return;  // the next call resumes with this slot
            }
            out.push_back(std::move(slot[i]));
            slot[i] = std::move(slot.back());
            slot.pop_back();
        }
        if (slot.empty() && slot.capacity() > kept_slot_capacity) {
            std::vector<entry>().swap(slot);
        }
    }
    next_tick_ = std::max(next_tick_, current + 1);
    size_ -= out.size();
}

std::size_t deadline_queue::size() const {
    std::lock_guard lock(mutex_);
    return size_;
}

}  // namespace regcenter
