// The sweep's agenda: when each connection must be looked at next.
//
// The sweep used to visit every connection every period (at most 1 s), copying each one's
// shared_ptr, although an idle session needs attention only twice per heartbeat interval: when
// it is due a ping and when it would be evicted. Now each connection has an entry for its next
// deadline and the sweep takes only the entries that are due, so an idle center's work follows
// the pings it sends, not connections times sweeps.
//
// The entries sit in a timing wheel whose tick is the sweep's period: the sweep acts once per
// tick anyway, so ordering entries more finely than that would buy nothing, and pushing or
// taking an entry costs O(1) instead of a heap's O(log n) walk over cold memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace regcenter {

class master_session;

class deadline_queue {
  public:
    using clock = std::chrono::steady_clock;

    /// What an entry is for. A connection has one auth entry until it authenticates or its
    /// auth deadline passes, one heartbeat entry from auth on (the next ping or eviction), and
    /// one streams entry while it has open streams.
    enum class check : std::uint8_t { auth, heartbeat, streams };

    /// An entry does not keep its session alive: it may outlive the connection, and is then
    /// dropped when it comes due. (Sessions are allocated apart from their control block, so
    /// such an entry pins only the control block, not the session; see master_handshake.)
    struct entry {
        clock::time_point due;
        std::weak_ptr<master_session> session;
        check what = check::auth;
    };

    /// `tick`: the resolution, the sweep's period. `horizon`: the longest delay normally
    /// pushed, which sizes the wheel; an entry due later still works, it is only looked at
    /// once more per turn of the wheel.
    deadline_queue(clock::duration tick, clock::duration horizon);

    /// Any thread. An entry due in the past comes due at the next take_due.
    void push(entry e);

    /// When the tick that contains `now` ends: the sweep runs then, so that an entry is taken
    /// within one tick after it is due, never before.
    clock::time_point tick_end(clock::time_point now) const;

    /// Moves up to `max` of the entries due at `now` into `out` (cleared first), in no
    /// particular order within a tick. Batches bound what the sweep holds at once and how long
    /// it holds the lock; call again while `out` comes back full.
    void take_due(clock::time_point now, std::size_t max, std::vector<entry>& out);

    std::size_t size() const;

  private:
    /// The tick an entry due at `t` belongs to: the first one that ends at or after `t`.
    std::int64_t tick_of(clock::time_point t) const;
    /// The last tick that ended at or before `now`.
    std::int64_t ended_tick(clock::time_point now) const;

    const clock::time_point origin_;
    const clock::duration tick_;
    mutable std::mutex mutex_;
    // Slot t % size holds the entries of tick t, and of ticks whole turns later. Entries of a
    // connection that ended stay until they come due, so the size is bounded by three entries
    // per open connection plus those of connections that ended within the horizon.
    std::vector<std::vector<entry>> slots_;
    std::int64_t next_tick_ = 0;  // the first tick whose slot may still hold due entries
    std::size_t size_ = 0;
};

}  // namespace regcenter
