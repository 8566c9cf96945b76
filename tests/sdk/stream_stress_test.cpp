// Streams under load, end to end: the in-process center and a real SDK master over loopback.
// Large transfers both ways, memory bounds against peers that stop reading, many streams on one
// connection, and masters that go away mid-stream. Every bound is asserted on byte counts, never
// on how long something took.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "regcenter/master.hpp"
#include "regcenter/proto/protocol.hpp"
#include "support/center_fixture.hpp"
#include "support/master_recorder.hpp"
#include "support/wait.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;
constexpr std::size_t window = static_cast<std::size_t>(proto::streams::initial_window);
constexpr std::size_t max_payload = proto::streams::max_data_payload;

// Generous: these tests move hundreds of megabytes on a loaded two-core machine. A deadline
// only turns a hang into a failure; nothing waits for it to pass.
constexpr auto transfer_deadline = 90s;

// ---- deterministic data ----------------------------------------------------------------------

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Byte k of pattern `seed` is a function of (seed, k) alone, so a receiver can check every
// piece where it lands and name the first wrong offset, whatever the piece boundaries were.
std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t index) {
    return splitmix64(seed * 0x100000001b3ULL ^ splitmix64(index));
}

std::string pattern_piece(std::uint64_t seed, std::uint64_t pos, std::size_t n) {
    std::string out(n, '\0');
    std::uint64_t word = pattern_word(seed, pos / 8);
    for (std::size_t i = 0; i < n; ++i, ++pos) {
        if (pos % 8 == 0) {
            word = pattern_word(seed, pos / 8);
        }
        out[i] = static_cast<char>(word >> (8 * (pos % 8)));
    }
    return out;
}

// FNV-1a 64 over the whole byte sequence: order-sensitive, so loss, duplication or a swap of
// two pieces changes it.
struct fnv1a {
    std::uint64_t value = 0xcbf29ce484222325ULL;
    void add(std::string_view bytes) {
        for (const char c : bytes) {
            value ^= static_cast<unsigned char>(c);
            value *= 0x100000001b3ULL;
        }
    }
};

// The receiving end of a pattern: counts, hashes and checks bytes in arrival order.
struct pattern_check {
    explicit pattern_check(std::uint64_t s) : seed(s) {}
    void add(std::string_view bytes) {
        hash.add(bytes);
        std::uint64_t word = pattern_word(seed, pos / 8);
        for (const char c : bytes) {
            if (pos % 8 == 0) {
                word = pattern_word(seed, pos / 8);
            }
            if (!first_bad && c != static_cast<char>(word >> (8 * (pos % 8)))) {
                first_bad = pos;
            }
            ++pos;
        }
    }
    std::uint64_t seed;
    std::uint64_t pos = 0;  // bytes seen
    fnv1a hash;
    std::optional<std::uint64_t> first_bad;
};

std::uint64_t pattern_hash(std::uint64_t seed, std::size_t total) {
    fnv1a h;
    for (std::size_t pos = 0; pos < total; pos += MiB) {
        h.add(pattern_piece(seed, pos, std::min(MiB, total - pos)));
    }
    return h.value;
}

void raise_to(std::atomic<std::size_t>& peak, std::size_t value) {
    std::size_t seen = peak.load();
    while (value > seen && !peak.compare_exchange_weak(seen, value)) {
    }
}

// ---- the operator's side (center_stream callbacks, on the session's strand) -----------------

struct operator_side {
    explicit operator_side(std::uint64_t seed) : check(seed) {}

    stream_handlers handlers(std::shared_ptr<operator_side> self, bool consume_manually = false) {
        stream_handlers h;
        h.consume_manually = consume_manually;
        h.on_data = [self](std::string_view bytes) {
            if (self->finishes.load() > 0) {
                self->data_after_finish = true;
            }
            self->check.add(bytes);
            self->received += bytes.size();
            if (self->auto_consume.load()) {
                self->stream->consumed(bytes.size());
            }
        };
        h.on_end = [self] { ++self->ends; };
        h.on_finish = [self](const stream_outcome& outcome) {
            self->outcome = outcome;
            ++self->finishes;  // publishes outcome and check to the test thread
        };
        return h;
    }

    bool finished() const { return finishes.load() > 0; }
    std::string describe() const {
        return "ok=" + std::to_string(outcome.ok) + " code=" + outcome.code +
               " message=" + outcome.message + " received=" + std::to_string(received.load());
    }

    pattern_check check;  // strand only; read by the test after `finishes`
    std::atomic<std::size_t> received{0};
    std::atomic<int> ends{0};
    std::atomic<int> finishes{0};
    std::atomic<bool> data_after_finish{false};
    stream_outcome outcome;
    // With consume_manually: once set, on_data consumes at once. `stream` is written before.
    std::shared_ptr<center_stream> stream;
    std::atomic<bool> auto_consume{false};
};

// ---- the master's side (action callbacks, on the SDK's I/O thread) ---------------------------

struct master_side {
    std::shared_ptr<action_stream> stream() {
        std::lock_guard lock(mutex);
        return last_stream;
    }
    void keep(std::shared_ptr<action_stream> s) {
        std::lock_guard lock(mutex);
        last_stream = std::move(s);
    }

    std::mutex mutex;
    std::shared_ptr<action_stream> last_stream;  // the latest produce/sink stream

    // produce
    std::atomic<std::size_t> written{0};
    std::atomic<int> write_refused{0};  // write() returned false
    std::atomic<std::size_t> refused_at_buffered{0};
    std::atomic<int> drains{0};
    std::atomic<std::size_t> produce_peak_buffered{0};

    // echo
    std::atomic<std::size_t> echo_peak_buffered{0};

    // sink
    std::optional<pattern_check> sink_check;  // I/O thread; read after sink_ended
    std::atomic<std::size_t> sink_received{0};
    std::atomic<bool> sink_ended{false};
};

// Writes `bytes` of pattern `seed` as fast as the stream takes them: stops when write() refuses
// (high water), goes on from on_drain, ends after the last byte.
void produce(const std::shared_ptr<action_stream>& s, const std::shared_ptr<master_side>& ms) {
    struct producer {
        std::uint64_t seed = 0;
        std::uint64_t total = 0;
        std::uint64_t pos = 0;
    };
    auto p = std::make_shared<producer>();
    p->seed = s->args().at("seed").to_number<std::uint64_t>();
    p->total = s->args().at("bytes").to_number<std::uint64_t>();
    ms->keep(s);
    // Captures the raw stream: the stream holds this callback, and drops it when it finishes.
    auto run = [p, ms, raw = s.get()] {
        while (p->pos < p->total) {
            const std::size_t n =
                static_cast<std::size_t>(std::min<std::uint64_t>(max_payload, p->total - p->pos));
            const bool more = raw->write(pattern_piece(p->seed, p->pos, n));
            p->pos += n;
            ms->written += n;
            raise_to(ms->produce_peak_buffered, raw->buffered());
            if (!more) {
                ms->refused_at_buffered = raw->buffered();
                ++ms->write_refused;
                return;
            }
        }
        raw->end();
    };
    s->on_drain([run, ms] {
        ++ms->drains;
        run();
    });
    run();
}

// ---- fixture ---------------------------------------------------------------------------------

class stream_stress_test : public center_test {
  protected:
    void SetUp() override { start_center(); }

    void TearDown() override {
        master_.reset();
        center_test::TearDown();
    }

    // Creates the master with its actions and waits until the center lists it.
    void join(std::uint16_t port, bool reconnect = true) {
        master_config c;
        c.token = master_token;
        c.name = "stress-master";
        c.retry_delay = 20ms;
        c.reconnect_on_close = reconnect;
        c.logger = r_.logger();
        master_ = std::make_unique<master>(c);
        r_.attach(*master_);
        auto ms = ms_;
        // Echo with read-side back-pressure: stop crediting while the output is above high
        // water, resume when it drained.
        master_->handle("echo", [ms](std::shared_ptr<action_stream> s) {
            action_stream* raw = s.get();
            s->on_data([ms, raw](std::string_view bytes) {
                if (!raw->write(bytes)) {
                    raw->hold_credit();
                }
                raise_to(ms->echo_peak_buffered, raw->buffered());
            });
            s->on_drain([raw] { raw->release_credit(); });
            s->on_end([raw] { raw->end(); });
        });
        master_->handle("produce",
                        [ms](std::shared_ptr<action_stream> s) { produce(std::move(s), ms); });
        // Reads nothing until the test releases credit: the center may send one window only.
        master_->handle("sink", [ms](std::shared_ptr<action_stream> s) {
            s->hold_credit();
            ms->sink_check.emplace(s->args().at("seed").to_number<std::uint64_t>());
            ms->keep(s);
            action_stream* raw = s.get();
            s->on_data([ms](std::string_view bytes) {
                ms->sink_check->add(bytes);
                ms->sink_received += bytes.size();
            });
            s->on_end([ms, raw] {
                ms->sink_ended = true;
                raw->end();
            });
        });
        master_->handle_call("upper", [](const json::value&, std::string input) {
            for (char& ch : input) {
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            }
            return input;
        });
        master_->connect("127.0.0.1", port);
        ASSERT_TRUE(r_.wait([&] { return r_.authenticated.size() == 1; }));
        ASSERT_TRUE(wait_for([&] {
            const auto all = center_->masters();
            return all.size() == 1 && all[0].actions && all[0].actions->size() == 4;
        }));
        id_ = center_->masters().at(0).id;
    }

    // A full round trip on the same connection: every frame either side sent before it has
    // been handled when it returns (one TCP connection, handled in order on both ends), so a
    // count read afterwards is final rather than "not yet".
    void barrier() {
        auto promise = std::make_shared<std::promise<call_result>>();
        call_request request;
        request.master_id = id_;
        request.action = "upper";
        request.input = "barrier";
        request.timeout = 30s;
        center_->call(std::move(request), [promise](call_result r) { promise->set_value(r); });
        const call_result r = promise->get_future().get();
        ASSERT_EQ(r.status, "ok") << r.error_code << " " << r.error_message;
        ASSERT_EQ(r.output, "BARRIER");
    }

    std::shared_ptr<center_stream> open(const std::string& action, json::value args,
                                        const std::shared_ptr<operator_side>& op,
                                        bool consume_manually = false) {
        return center_->open_stream(id_, action, std::move(args),
                                    op->handlers(op, consume_manually));
    }

    recorder r_;
    std::shared_ptr<master_side> ms_ = std::make_shared<master_side>();
    std::unique_ptr<master> master_;
    std::string id_;
};

// ---- 1. 100 MB each way ----------------------------------------------------------------------

TEST_F(stream_stress_test, a_hundred_megabytes_echo_back_intact_with_bounded_queues) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    constexpr std::size_t total = 100 * MiB;
    constexpr std::size_t chunk = 256 * KiB;
    constexpr int max_outstanding = 4;
    // The operator never has more than its outstanding writes queued in the center.
    constexpr std::size_t operator_bound = max_outstanding * chunk;
    constexpr std::uint64_t seed = 1;

    auto op = std::make_shared<operator_side>(seed);
    auto s = open("echo", nullptr, op);
    ASSERT_TRUE(s);

    // The writes come from this thread, as they would from an admin connection's own strand;
    // on_sent only counts them back in. Writing from on_sent itself is the test after this one.
    struct feed {
        std::mutex mutex;
        std::condition_variable cv;
        int outstanding = 0;
    };
    auto f = std::make_shared<feed>();
    fnv1a sent;
    std::size_t peak_buffered = 0;
    const auto deadline = std::chrono::steady_clock::now() + transfer_deadline;
    for (std::size_t pos = 0; pos < total; pos += chunk) {
        {
            std::unique_lock lock(f->mutex);
            // on_sent wakes this thread; the stream finishing early wakes it by the poll.
            while (f->outstanding >= max_outstanding && !op->finished()) {
                ASSERT_LT(std::chrono::steady_clock::now(), deadline)
                    << "no on_sent after " << pos << " bytes";
                f->cv.wait_for(lock, 50ms);
            }
            ASSERT_FALSE(op->finished()) << op->describe();
            ++f->outstanding;
        }
        std::string piece = pattern_piece(seed, pos, chunk);
        sent.add(piece);
        s->write(std::move(piece), [f] {
            {
                std::lock_guard lock(f->mutex);
                --f->outstanding;
            }
            f->cv.notify_one();
        });
        peak_buffered = std::max(peak_buffered, s->buffered());
    }
    s->end();

    ASSERT_TRUE(wait_for([&] { return op->finished(); }, transfer_deadline)) << op->describe();
    EXPECT_TRUE(op->outcome.ok) << op->describe();
    EXPECT_EQ(op->finishes.load(), 1);
    EXPECT_EQ(op->ends.load(), 1);
    EXPECT_EQ(op->received.load(), total);
    EXPECT_EQ(op->check.hash.value, sent.value) << "echoed bytes differ from the sent ones";
    EXPECT_FALSE(op->check.first_bad.has_value()) << "first wrong byte at " << *op->check.first_bad;
    EXPECT_LE(peak_buffered, operator_bound);
    EXPECT_EQ(s->buffered(), 0u);
    // The echo holds credit once above high water: what was in flight (one window) plus the
    // payload that crossed the mark is all it may add.
    EXPECT_LE(ms_->echo_peak_buffered.load(),
              action_stream::high_water_mark() + window + max_payload);
}

TEST_F(stream_stress_test, a_hundred_megabytes_from_the_master_arrive_intact) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    constexpr std::size_t total = 100 * MiB;
    constexpr std::uint64_t seed = 2;

    auto op = std::make_shared<operator_side>(seed);
    auto s = open("produce", json::object{{"seed", seed}, {"bytes", total}}, op);
    ASSERT_TRUE(s);
    s->end();  // nothing to send: the stream finishes when the master ends

    ASSERT_TRUE(wait_for([&] { return op->finished(); }, transfer_deadline)) << op->describe();
    EXPECT_TRUE(op->outcome.ok) << op->describe();
    EXPECT_EQ(op->received.load(), total);
    EXPECT_EQ(op->check.hash.value, pattern_hash(seed, total));
    EXPECT_FALSE(op->check.first_bad.has_value()) << "first wrong byte at " << *op->check.first_bad;
    EXPECT_EQ(ms_->written.load(), total);
    // The producer honoured write()'s refusals, so its buffer never passed high water by more
    // than the one payload that crossed it.
    EXPECT_GT(ms_->write_refused.load(), 0);
    EXPECT_EQ(ms_->drains.load(), ms_->write_refused.load());
    EXPECT_LE(ms_->produce_peak_buffered.load(), action_stream::high_water_mark() + max_payload);
}

// The pattern center_stream::write() documents for a writer that waits for on_sent: the next
// write (and at last end()) issued from on_sent itself, on the session's strand. One write in
// the center at a time, so the operator's queue never holds more than one chunk.
struct on_sent_chain : std::enable_shared_from_this<on_sent_chain> {
    void next() {
        if (pos >= total) {
            if (end_from_on_sent) {
                stream->end();
            }
            all_written = true;
            return;
        }
        const std::size_t n = std::min(chunk, total - pos);
        std::string piece = pattern_piece(seed, pos, n);
        pos += n;
        stream->write(std::move(piece), [self = shared_from_this()] { self->next(); });
        raise_to(peak_buffered, stream->buffered());
    }

    std::shared_ptr<center_stream> stream;
    std::uint64_t seed = 0;
    std::size_t total = 0;
    std::size_t chunk = 0;
    bool end_from_on_sent = false;
    std::size_t pos = 0;  // the strand only, after the first call
    std::atomic<bool> all_written{false};
    std::atomic<std::size_t> peak_buffered{0};
};

void chain_through_echo(center& c, const std::string& id, bool end_from_on_sent) {
    constexpr std::uint64_t seed = 6;
    auto op = std::make_shared<operator_side>(seed);
    auto chain = std::make_shared<on_sent_chain>();
    chain->seed = seed;
    chain->total = 16 * MiB;
    // Not a multiple of the 64 KiB frame: a chunk's last frame leaves credit for the next one.
    chain->chunk = 100 * KiB;
    chain->end_from_on_sent = end_from_on_sent;
    chain->stream = c.open_stream(id, "echo", nullptr, op->handlers(op));
    ASSERT_TRUE(chain->stream);
    chain->next();
    ASSERT_TRUE(
        wait_for([&] { return chain->all_written.load() || op->finished(); }, transfer_deadline))
        << op->describe();
    if (!end_from_on_sent) {
        chain->stream->end();
    }
    ASSERT_TRUE(wait_for([&] { return op->finished(); }, transfer_deadline)) << op->describe();
    EXPECT_TRUE(op->outcome.ok) << op->describe();
    EXPECT_EQ(op->received.load(), chain->total);
    EXPECT_FALSE(op->check.first_bad.has_value()) << "first wrong byte at " << *op->check.first_bad;
    EXPECT_EQ(op->check.hash.value, pattern_hash(seed, chain->total));
    EXPECT_LE(chain->peak_buffered.load(), chain->chunk);
    chain->stream.reset();
}

TEST_F(stream_stress_test, writes_issued_from_on_sent_arrive_in_order) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    chain_through_echo(*center_, id_, /*end_from_on_sent=*/false);
}

TEST_F(stream_stress_test, an_end_issued_from_on_sent_comes_after_the_last_byte) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    chain_through_echo(*center_, id_, /*end_from_on_sent=*/true);
}

// ---- 2. bounded memory with a peer that does not read ----------------------------------------

TEST_F(stream_stress_test,
       a_master_writing_to_an_operator_that_does_not_consume_is_held_at_one_window) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    constexpr std::size_t total = 4 * MiB;
    constexpr std::uint64_t seed = 3;

    auto op = std::make_shared<operator_side>(seed);
    auto s = open("produce", json::object{{"seed", seed}, {"bytes", total}}, op,
                  /*consume_manually=*/true);
    ASSERT_TRUE(s);
    s->end();

    // The producer hits high water, and the operator gets exactly one window.
    ASSERT_TRUE(wait_for([&] { return ms_->write_refused.load() > 0; }));
    ASSERT_TRUE(wait_for([&] { return op->received.load() >= window; })) << op->describe();
    ASSERT_NO_FATAL_FAILURE(barrier());

    EXPECT_FALSE(op->finished()) << op->describe();
    EXPECT_EQ(op->received.load(), window);
    const auto ms_stream = ms_->stream();
    ASSERT_TRUE(ms_stream);
    const std::size_t written = ms_->written.load();
    EXPECT_EQ(ms_->write_refused.load(), 1);
    EXPECT_GT(ms_->refused_at_buffered.load(), action_stream::high_water_mark());
    EXPECT_LE(written, action_stream::high_water_mark() + max_payload);
    // Everything written but the window still waits in the SDK, and nothing more was written.
    EXPECT_EQ(ms_stream->buffered(), written - window);
    EXPECT_EQ(ms_->drains.load(), 0);

    // Once consumed, the rest flows (and is consumed as it arrives).
    op->stream = s;
    op->auto_consume = true;
    s->consumed(window);
    ASSERT_TRUE(wait_for([&] { return op->finished(); }, transfer_deadline)) << op->describe();
    EXPECT_TRUE(op->outcome.ok) << op->describe();
    EXPECT_EQ(op->received.load(), total);
    EXPECT_FALSE(op->check.first_bad.has_value()) << "first wrong byte at " << *op->check.first_bad;
    EXPECT_EQ(op->check.hash.value, pattern_hash(seed, total));
    EXPECT_GE(ms_->drains.load(), 1);
    op->stream.reset();
}

TEST_F(stream_stress_test,
       an_operator_writing_to_a_master_that_does_not_read_is_held_in_the_center) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    constexpr std::size_t total = 10 * MiB;
    constexpr std::size_t chunk = 256 * KiB;
    constexpr std::uint64_t seed = 4;

    auto op = std::make_shared<operator_side>(seed);
    auto s = open("sink", json::object{{"seed", seed}}, op);
    ASSERT_TRUE(s);
    for (std::size_t pos = 0; pos < total; pos += chunk) {
        s->write(pattern_piece(seed, pos, chunk));
    }
    s->end();

    ASSERT_TRUE(wait_for([&] { return ms_->sink_received.load() >= window; }));
    // The barrier's stream opens after every write above was queued (one strand, in order) and
    // its reply comes after any data the master got: both counts below are final.
    ASSERT_NO_FATAL_FAILURE(barrier());
    EXPECT_FALSE(op->finished()) << op->describe();
    EXPECT_EQ(ms_->sink_received.load(), window);
    EXPECT_EQ(s->buffered(), total - window);

    const auto sink = ms_->stream();
    ASSERT_TRUE(sink);
    sink->release_credit();
    ASSERT_TRUE(wait_for([&] { return op->finished(); }, transfer_deadline)) << op->describe();
    EXPECT_TRUE(op->outcome.ok) << op->describe();
    EXPECT_EQ(s->buffered(), 0u);
    ASSERT_TRUE(wait_for([&] { return ms_->sink_ended.load(); }));
    EXPECT_EQ(ms_->sink_received.load(), total);
    ASSERT_TRUE(ms_->sink_check.has_value());
    EXPECT_EQ(ms_->sink_check->pos, total);
    EXPECT_FALSE(ms_->sink_check->first_bad.has_value())
        << "first wrong byte at " << *ms_->sink_check->first_bad;
    EXPECT_EQ(ms_->sink_check->hash.value, pattern_hash(seed, total));
}

// ---- 3. many streams on one session ----------------------------------------------------------

TEST_F(stream_stress_test, a_hundred_concurrent_streams_each_get_their_own_bytes_back) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    constexpr int streams = 100;
    constexpr std::size_t per_stream = 200 * KiB;
    // Not a divisor of the 64 KiB frame size, so pieces of different streams interleave
    // mid-frame on the wire.
    constexpr std::size_t piece = 50 * KiB;

    std::vector<std::shared_ptr<operator_side>> ops;
    std::vector<std::shared_ptr<center_stream>> handles;
    for (int i = 0; i < streams; ++i) {
        ops.push_back(std::make_shared<operator_side>(1000 + i));
        handles.push_back(open("echo", nullptr, ops.back()));
        ASSERT_TRUE(handles.back());
    }
    for (std::size_t pos = 0; pos < per_stream; pos += piece) {
        for (int i = 0; i < streams; ++i) {
            handles[i]->write(pattern_piece(1000 + i, pos, std::min(piece, per_stream - pos)));
        }
    }
    for (auto& h : handles) {
        h->end();
    }

    ASSERT_TRUE(wait_for(
        [&] {
            return std::all_of(ops.begin(), ops.end(),
                               [](const auto& op) { return op->finished(); });
        },
        transfer_deadline));
    for (int i = 0; i < streams; ++i) {
        const operator_side& op = *ops[i];
        EXPECT_TRUE(op.outcome.ok) << "stream " << i << ": " << op.describe();
        EXPECT_EQ(op.received.load(), per_stream) << "stream " << i;
        EXPECT_FALSE(op.check.first_bad.has_value())
            << "stream " << i << ": first wrong byte at " << *op.check.first_bad;
        EXPECT_EQ(op.check.hash.value, pattern_hash(1000 + i, per_stream)) << "stream " << i;
        EXPECT_EQ(op.finishes.load(), 1) << "stream " << i;
    }
}

// ---- 4. the master goes away mid-stream ------------------------------------------------------

// A TCP relay between the master and the center that can cut the connection the way a dead
// network or a killed process does: no leave, no WebSocket close, a reset on both sides.
class tcp_relay {
  public:
    explicit tcp_relay(tcp::endpoint target)
        : target_(target), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~tcp_relay() {
        cut();
        work_.reset();
        ioc_.stop();
        thread_.join();
    }
    tcp_relay(const tcp_relay&) = delete;
    tcp_relay& operator=(const tcp_relay&) = delete;

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    /// Resets every relayed connection and accepts no more. Returns once done.
    void cut() {
        std::promise<void> done;
        net::post(ioc_, [this, &done] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            for (auto& p : pipes_) {
                reset(*p);
            }
            pipes_.clear();
            done.set_value();
        });
        done.get_future().wait();
    }

  private:
    struct pipe {
        explicit pipe(tcp::socket c) : client(std::move(c)), server(client.get_executor()) {}
        tcp::socket client;
        tcp::socket server;
        std::array<char, 64 * 1024> up{};
        std::array<char, 64 * 1024> down{};
    };

    static void reset(pipe& p) {
        boost::system::error_code ignored;
        for (tcp::socket* s : {&p.client, &p.server}) {
            if (s->is_open()) {
                s->set_option(tcp::socket::linger(true, 0), ignored);  // RST, not FIN
                s->close(ignored);
            }
        }
    }

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (ec) {
                return;
            }
            auto p = std::make_shared<pipe>(std::move(s));
            pipes_.push_back(p);
            p->server.async_connect(target_, [this, p](boost::system::error_code ec2) {
                if (ec2) {
                    return reset(*p);
                }
                relay(p, p->client, p->server, p->up);
                relay(p, p->server, p->client, p->down);
            });
            accept();
        });
    }

    void relay(const std::shared_ptr<pipe>& p, tcp::socket& from, tcp::socket& to,
               std::array<char, 64 * 1024>& buf) {
        from.async_read_some(net::buffer(buf), [this, p, &from, &to, &buf](
                                                   boost::system::error_code ec, std::size_t n) {
            if (ec) {
                return reset(*p);
            }
            net::async_write(
                to, net::buffer(buf.data(), n),
                [this, p, &from, &to, &buf](boost::system::error_code ec2, std::size_t) {
                    if (ec2) {
                        return reset(*p);
                    }
                    relay(p, from, to, buf);
                });
        });
    }

    tcp::endpoint target_;
    net::io_context ioc_;
    net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
    tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<pipe>> pipes_;
    std::thread thread_;
};

// Opens an endless produce stream and waits until data flows; `go_away` then removes the master.
template <class GoAway>
void expect_master_disconnected_once(center& c, const std::string& id, GoAway go_away) {
    constexpr std::uint64_t seed = 5;
    auto op = std::make_shared<operator_side>(seed);
    auto s = c.open_stream(id, "produce",
                           json::object{{"seed", seed}, {"bytes", std::uint64_t{1} << 50}},
                           op->handlers(op));
    ASSERT_TRUE(s);
    ASSERT_TRUE(wait_for([&] { return op->received.load() >= 2 * MiB; })) << op->describe();
    ASSERT_FALSE(op->finished()) << op->describe();

    go_away();

    ASSERT_TRUE(wait_for([&] { return op->finished(); })) << op->describe();
    EXPECT_FALSE(op->outcome.ok);
    EXPECT_EQ(op->outcome.code, proto::stream_error_code::master_disconnected) << op->describe();
    EXPECT_EQ(op->ends.load(), 0);
    EXPECT_FALSE(op->check.first_bad.has_value()) << "first wrong byte at " << *op->check.first_bad;
    // Nothing the operator or the center does afterwards may finish it a second time.
    s->write("late");
    s->end();
    s->fail("late-failure", "after the master went away");
    s->close();
    c.stop();  // joins the center's threads: no callback can still be on its way
    EXPECT_EQ(op->finishes.load(), 1);
    EXPECT_FALSE(op->data_after_finish.load());
}

TEST_F(stream_stress_test, a_master_that_leaves_mid_stream_fails_it_once_as_disconnected) {
    ASSERT_NO_FATAL_FAILURE(join(masters_ep().port()));
    expect_master_disconnected_once(*center_, id_, [&] { master_.reset(); });
}

TEST_F(stream_stress_test, a_cut_connection_mid_stream_fails_it_once_as_disconnected) {
    tcp_relay relay(masters_ep());
    // No reconnect: the relay's freed port may belong to another test's center by then.
    ASSERT_NO_FATAL_FAILURE(join(relay.port(), /*reconnect=*/false));
    expect_master_disconnected_once(*center_, id_, [&] { relay.cut(); });
}

}  // namespace
}  // namespace regcenter::test
