// The operator workloads against nats-server through its C client (libnats), the way a NATS
// user would write them: fan-out is a request on the broadcast subject whose replies come
// back on one inbox; unicast is request/reply on master.K (one caller: natsConnection_Request;
// many: requests published with per-caller reply subjects on one wildcard inbox); a stream is
// 64 KiB messages to master.K under an acknowledgement window, so nothing is dropped.
#include <nats/nats.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "nats_fleet.hpp"
#include "operator.hpp"
#include "payload.hpp"

namespace regcenter::bench {
namespace {

using clock = std::chrono::steady_clock;

double micros_since(clock::time_point t) {
    return std::chrono::duration<double, std::micro>(clock::now() - t).count();
}

void check(natsStatus s, const std::string& what) {
    if (s != NATS_OK) {
        throw std::runtime_error(what + ": " + natsStatus_GetText(s));
    }
}

std::string_view data(natsMsg* m) {
    return {natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m))};
}

// One client connection; `asap` sends every publish at once instead of through libnats's
// flusher, which is what a latency-bound caller wants.
class connection {
  public:
    connection(const operator_options& o, bool asap) {
        natsOptions* opts = nullptr;
        check(natsOptions_Create(&opts), "natsOptions_Create");
        const std::string url = "nats://" + o.host + ":" + std::to_string(o.port);
        natsOptions_SetURL(opts, url.c_str());
        natsOptions_SetSendAsap(opts, asap);
        const natsStatus s = natsConnection_Connect(&nc_, opts);
        natsOptions_Destroy(opts);
        check(s, "cannot connect to " + url);
    }
    ~connection() { natsConnection_Destroy(nc_); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    natsConnection* get() const { return nc_; }

  private:
    natsConnection* nc_ = nullptr;
};

// Counts messages on an async subscription and lets a thread wait for a number of them.
struct counter {
    std::mutex mutex;
    std::condition_variable changed;
    std::uint64_t count = 0;

    static void on_message(natsConnection*, natsSubscription*, natsMsg* m, void* self) {
        auto& c = *static_cast<counter*>(self);
        natsMsg_Destroy(m);
        std::lock_guard lock(c.mutex);
        ++c.count;
        c.changed.notify_all();
    }

    bool wait_for(std::uint64_t n, std::chrono::seconds limit) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, limit, [&] { return count >= n; });
    }
};

void fanout(const operator_options& o, operator_result& r) {
    connection c(o, true);
    counter replies;
    natsSubscription* sub = nullptr;
    check(natsConnection_Subscribe(&sub, c.get(), "_INBOX.fanout", counter::on_message, &replies),
          "subscribe");
    natsSubscription_SetPendingLimits(sub, -1, -1);  // 10k replies at once are not "slow"
    check(natsConnection_Flush(c.get()), "flush");
    const auto small = payload::small();
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    for (int i = 0; i < o.repeat; ++i) {
        const auto t = clock::now();
        check(natsConnection_PublishRequest(c.get(), "broadcast", "_INBOX.fanout", small.data(),
                                            static_cast<int>(small.size())),
              "publish");
        if (!replies.wait_for(o.masters * static_cast<std::uint64_t>(i + 1),
                              std::chrono::seconds(60))) {
            throw std::runtime_error("fan-out " + std::to_string(i) + ": only " +
                                     std::to_string(replies.count) + " replies in 60 s");
        }
        r.samples_us.push_back(micros_since(t));
    }
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
    r.operations = static_cast<std::uint64_t>(o.repeat);
    natsSubscription_Destroy(sub);
}

void unicast_one_caller(const operator_options& o, operator_result& r) {
    connection c(o, true);
    const auto small = payload::small();
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    const auto until = begin + std::chrono::duration_cast<clock::duration>(
                                   std::chrono::duration<double>(o.seconds));
    while (clock::now() < until) {
        natsMsg* reply = nullptr;
        const auto t = clock::now();
        check(natsConnection_Request(&reply, c.get(), "master.0", small.data(),
                                     static_cast<int>(small.size()), 5000),
              "request to master.0");
        r.samples_us.push_back(micros_since(t));
        const bool same = data(reply) == small;
        natsMsg_Destroy(reply);
        if (!same) {
            throw std::runtime_error("master.0 answered other bytes than it was sent");
        }
        ++r.operations;
    }
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
}

// `callers` requests in flight: each reply (on _INBOX.unicast.<caller>) sends that caller's
// next request from libnats's delivery thread, until the time is up.
struct pipelined {
    const operator_options& o;
    natsConnection* nc;
    clock::time_point until;
    std::atomic<std::uint64_t> done{0};
    std::atomic<std::size_t> running{0};
    std::atomic<bool> wrong{false};
    counter finished;

    void send(std::size_t caller) {
        const std::string subject = "master." + std::to_string(caller % o.masters);
        const std::string reply = "_INBOX.unicast." + std::to_string(caller);
        const auto small = payload::small();
        natsConnection_PublishRequest(nc, subject.c_str(), reply.c_str(), small.data(),
                                      static_cast<int>(small.size()));
    }

    static void on_reply(natsConnection*, natsSubscription*, natsMsg* m, void* self) {
        auto& p = *static_cast<pipelined*>(self);
        if (data(m) != payload::small()) {
            p.wrong = true;
        }
        const std::string_view subject = natsMsg_GetSubject(m);
        const std::size_t caller = std::stoul(std::string(subject.substr(subject.rfind('.') + 1)));
        natsMsg_Destroy(m);
        ++p.done;
        if (clock::now() < p.until && !p.wrong) {
            p.send(caller);
        } else {
            std::lock_guard lock(p.finished.mutex);
            ++p.finished.count;
            p.finished.changed.notify_all();
        }
    }
};

void unicast_pipelined(const operator_options& o, operator_result& r) {
    connection c(o, false);
    pipelined p{.o = o, .nc = c.get(), .until = {}, .finished = {}};
    natsSubscription* sub = nullptr;
    check(natsConnection_Subscribe(&sub, c.get(), "_INBOX.unicast.*", pipelined::on_reply, &p),
          "subscribe");
    natsSubscription_SetPendingLimits(sub, -1, -1);
    check(natsConnection_Flush(c.get()), "flush");
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    p.until = begin +
              std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.seconds));
    for (std::size_t i = 0; i < o.callers; ++i) {
        p.send(i);
    }
    natsConnection_Flush(c.get());
    if (!p.finished.wait_for(o.callers, std::chrono::seconds(static_cast<long>(o.seconds) + 30))) {
        throw std::runtime_error("requests in flight got no reply within 30 s of the end");
    }
    if (p.wrong) {
        throw std::runtime_error("a master answered other bytes than it was sent");
    }
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
    r.operations = p.done;
    natsSubscription_Destroy(sub);
}

// One stream to master.K: 64 KiB messages while fewer than `window` bytes are unacknowledged
// (the master acknowledges every 256 KiB), then an empty message; the master's verdict comes
// back on the same inbox.
void one_stream(const operator_options& o, std::size_t k, std::string& failure) {
    constexpr std::uint64_t chunk = 64 * 1024;
    constexpr std::uint64_t window = 1 << 20;
    try {
        connection c(o, false);
        const std::string subject = "master." + std::to_string(k);
        const std::string inbox = std::string(nats_fleet::stream_reply_prefix) + std::to_string(k);
        natsSubscription* sub = nullptr;
        check(natsConnection_SubscribeSync(&sub, c.get(), inbox.c_str()), "subscribe");
        check(natsConnection_Flush(c.get()), "flush");
        std::uint64_t sent = 0;
        std::uint64_t acknowledged = 0;
        auto next_message = [&] {
            natsMsg* m = nullptr;
            check(natsSubscription_NextMsg(&m, sub, 30000), subject + ": no acknowledgement");
            std::string text(data(m));
            natsMsg_Destroy(m);
            return text;
        };
        while (sent < o.bytes) {
            while (sent < o.bytes && sent - acknowledged < window) {
                const std::uint64_t n = std::min(chunk, o.bytes - sent);
                const auto bytes = payload::at(sent, n);
                check(natsConnection_PublishRequest(c.get(), subject.c_str(), inbox.c_str(),
                                                    bytes.data(), static_cast<int>(n)),
                      "publish to " + subject);
                sent += n;
            }
            if (sent < o.bytes) {
                acknowledged += std::stoull(next_message());
            }
        }
        check(natsConnection_PublishRequest(c.get(), subject.c_str(), inbox.c_str(), "", 0),
              "publish to " + subject);
        std::string verdict;
        do {
            verdict = next_message();
        } while (!verdict.empty() && std::isdigit(static_cast<unsigned char>(verdict[0])));
        natsSubscription_Destroy(sub);
        if (verdict != payload::intact(o.bytes)) {
            failure = subject + " said \"" + verdict + "\", expected \"" +
                      payload::intact(o.bytes) + "\"";
        }
    } catch (const std::exception& e) {
        failure = e.what();
    }
}

void streams(const operator_options& o, operator_result& r) {
    if (o.masters < o.streams) {
        throw std::runtime_error(std::to_string(o.streams) + " streams need as many masters");
    }
    std::vector<std::string> failures(o.streams);
    const auto cpu_before = server_cpu(o.server_pid);
    const auto begin = clock::now();
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < o.streams; ++k) {
        threads.emplace_back(one_stream, std::cref(o), k, std::ref(failures[k]));
    }
    for (auto& t : threads) {
        t.join();
    }
    r.seconds = micros_since(begin) / 1e6;
    r.server_cpu_us = (server_cpu(o.server_pid) - cpu_before).count();
    for (const auto& f : failures) {
        if (!f.empty()) {
            throw std::runtime_error(f);
        }
    }
    r.operations = o.streams;
    r.bytes = o.bytes * o.streams;
}

}  // namespace

operator_result run_nats_operator(const operator_options& o) {
    operator_result r;
    switch (o.workload) {
        case operator_workload::fanout:
            fanout(o, r);
            break;
        case operator_workload::unicast:
            if (o.callers == 1) {
                unicast_one_caller(o, r);
            } else {
                unicast_pipelined(o, r);
            }
            break;
        case operator_workload::stream:
            streams(o, r);
            break;
    }
    nats_Close();
    return r;
}

}  // namespace regcenter::bench
