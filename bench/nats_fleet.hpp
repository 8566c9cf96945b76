// The same simulated masters against nats-server, so neither side is handicapped by its
// client: lean NATS text-protocol sessions on one io_context. Each one connects, sends CONNECT,
// subscribes to its own subject (master.N) and the broadcast subject, and counts as ready at
// the PONG that answers its first PING (the server has then processed the subscriptions). Idle
// sessions answer the server's PINGs.
//
// The equivalents of regcenter's bench actions: a request (a message with a reply subject) is
// answered with its own payload, like "echo". A message whose reply subject starts with
// stream_reply_prefix is stream data, checked like "sink": the master acknowledges every
// 256 KiB on the reply subject (the operator keeps a window), and answers an empty message,
// the end, with its verdict.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <random>
#include <string_view>
#include <vector>

#include "pacing.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter::bench {

class nats_fleet {
  public:
    explicit nats_fleet(tcp::endpoint server);
    ~nats_fleet();
    nats_fleet(const nats_fleet&) = delete;
    nats_fleet& operator=(const nats_fleet&) = delete;

    connect_result connect(std::size_t count, std::size_t parallel, std::chrono::seconds limit);
    void hold(std::chrono::milliseconds d);
    net::io_context& context() { return ioc_; }

    /// Whether a session whose server went away reconnects (with the SDK's backoff) instead
    /// of ending; for the reconnect storm.
    void reconnect_after_loss(bool on) { reconnect_ = on; }

    /// Remembers how often each session has been ready so far; back_since_mark() then counts
    /// the sessions that got ready again since, each once however often it reconnected (a
    /// count of handshakes would let one master's two reconnections hide another's absence).
    void mark();
    std::size_t back_since_mark() const;

    static constexpr std::string_view stream_reply_prefix = "_S.";
    void drop_all();

  private:
    struct session;
    net::awaitable<void> run_session(std::shared_ptr<session> s, std::size_t index);
    /// One connection's life; true if it got ready before it ended.
    net::awaitable<bool> serve_connection(std::shared_ptr<session> s, std::size_t index);
    bool parse(session& s);
    static void on_message(session& s, std::string_view reply, std::string_view data);

    net::io_context ioc_;
    tcp::endpoint server_;
    std::vector<std::shared_ptr<session>> sessions_;
    connect_counts counts_;
    bool reconnect_ = false;
    bool stopping_ = false;
    /// Seeds of the sessions' backoffs: drawn from one random_device when the fleet starts,
    /// not per session in the middle of a storm.
    std::mt19937_64 seeds_;
};

}  // namespace regcenter::bench
