// Flow-control bookkeeping of one stream (actions.md A.2), shared by the center and the SDK.
//
// No I/O: the owner asks how much it may send, reports what it sent, feeds in credits and data
// it received, and reports what its application consumed; the window says when to grant
// credit. Each direction of a stream starts with streams::initial_window bytes.
#pragma once

#include <cstdint>
#include <optional>

#include "regcenter/proto/protocol.hpp"

namespace regcenter::proto {

class stream_window {
  public:
    explicit stream_window(std::uint64_t initial = streams::initial_window)
        : initial_(initial), send_credit_(initial), receive_allowance_(initial) {}

    // ---- sending ----------------------------------------------------------------------------

    /// Payload bytes that may be sent now.
    std::uint64_t send_credit() const { return send_credit_; }

    /// Records `bytes` of payload sent; the caller never sends more than send_credit().
    void on_sent(std::uint64_t bytes) {
        send_credit_ -= bytes <= send_credit_ ? bytes : send_credit_;
    }

    /// Adds a credit the peer granted (stream-credit). Saturates instead of overflowing.
    void on_credit(std::uint64_t bytes) {
        send_credit_ = bytes > UINT64_MAX - send_credit_ ? UINT64_MAX : send_credit_ + bytes;
    }

    // ---- receiving --------------------------------------------------------------------------

    /// Accounts `bytes` of payload that arrived; false if the peer exceeded the window it was
    /// given (the stream then fails with flow-control).
    bool on_received(std::uint64_t bytes) {
        if (bytes > receive_allowance_) {
            return false;
        }
        receive_allowance_ -= bytes;
        return true;
    }

    /// Records `bytes` the application consumed. Returns the credit to grant now, if any:
    /// credit is batched until half the initial window is consumed, so a fast stream sends one
    /// stream-credit per 128 KiB instead of one per frame.
    std::optional<std::uint64_t> on_consumed(std::uint64_t bytes) {
        unacknowledged_ += bytes;
        if (unacknowledged_ < initial_ / 2) {
            return std::nullopt;
        }
        const std::uint64_t grant = unacknowledged_;
        unacknowledged_ = 0;
        receive_allowance_ += grant;
        return grant;
    }

  private:
    std::uint64_t initial_;
    std::uint64_t send_credit_;
    std::uint64_t receive_allowance_;
    std::uint64_t unacknowledged_ = 0;
};

}  // namespace regcenter::proto
