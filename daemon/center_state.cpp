// The sweep: one timer for all sessions instead of one per session, and a queue of deadlines so
// that each run visits only the sessions that are due.
#include "center_state.hpp"

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "logging.hpp"
#include "master_session.hpp"
#include "regcenter/common/sha256.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace {
using clock = deadline_queue::clock;
// A job this large leaves enough freed heap behind to be worth giving back (memory_release).
constexpr std::size_t large_job_targets = 100;
}  // namespace

center_state::center_state(center_options options)
    : options_(std::move(options)),
      tokens_(options_.auth_tokens),
      admin_token_(options_.admin_token),
      admin_caller_("admin:" + token_fingerprint(admin_token_)),
      // The wheel's horizon: the longest delay the sweep schedules (stall checks come every
      // tick, pings and evictions within the heartbeat timeout).
      deadlines_(sweep_period(), std::chrono::duration_cast<clock::duration>(
                                     std::max(options_.auth_timeout, options_.heartbeat_timeout))),
      events_(options_.event_history),
      audit_(options_.audit_file, options_.audit_log_jobs_per_second),
      jobs_(job_history_limits{.jobs = options_.job_history},
            [this](const char* type, const job_record& job) { on_job_change(type, job); }) {}

void center_state::on_job_change(const char* type, const job_record& job) {
    if (job.done) {
        metrics_.job_finished(job);
    } else {
        metrics_.job_started(job);
    }
    // Most job events are never watched: their data is made from this brief copy if one is.
    struct brief {
        std::string job, kind, action, started_by;
        std::size_t targets;
        bool done;
        job_summary summary;
    };
    events_.publish_lazily(
        type, [b = brief{job.id, job.kind, job.action, job.done ? std::string() : job.started_by,
                         job.targets, job.done, job.summary}] {
            boost::json::object data{
                {"job", b.job}, {"kind", b.kind}, {"action", b.action}, {"targets", b.targets}};
            if (b.done) {
                data["summary"] = boost::json::object{{"ok", b.summary.ok},
                                                      {"error", b.summary.error},
                                                      {"timeout", b.summary.timeout},
                                                      {"disconnected", b.summary.disconnected}};
            } else {
                data["started_by"] = b.started_by;
            }
            return data;
        });
    if (job.done) {
        audit_.record_job(job);  // one entry per job, when it finished
        // Its calls' frames and buffers, and soon its answer, are freed: many of them.
        if (job.results.size() >= large_job_targets) {
            memory_.request();
        }
    }
}

std::string center_state::admin_token() const {
    std::lock_guard lock(admin_token_mutex_);
    return admin_token_;
}

void center_state::set_admin_token(std::string token) {
    std::string caller = "admin:" + token_fingerprint(token);
    std::lock_guard lock(admin_token_mutex_);
    admin_token_ = std::move(token);
    admin_caller_ = std::move(caller);
}

std::string center_state::admin_caller() const {
    std::lock_guard lock(admin_token_mutex_);
    return admin_caller_;
}

std::vector<master_info> center_state::master_list() const {
    std::vector<master_info> out;
    for (const auto& session : masters_in_order()) {
        out.push_back(session->info());
    }
    return out;
}

std::vector<std::shared_ptr<master_session>> center_state::masters_in_order() const {
    auto sessions = registry_.masters();
    std::sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
        const auto at_a = a->connected_at();
        const auto at_b = b->connected_at();
        return at_a != at_b ? at_a < at_b : a->id() < b->id();
    });
    return sessions;
}

bool center_state::kick(const std::string& id) {
    auto session = registry_.find_master(id);
    if (!session) {
        return false;
    }
    session->close(proto::close_code::kicked, "kicked by operator", disconnect_reason::kicked);
    return true;
}

void center_state::operator_stream_started() {
    std::lock_guard lock(operator_streams_mutex_);
    ++operator_streams_;
}

void center_state::operator_stream_ended() {
    std::lock_guard lock(operator_streams_mutex_);
    if (--operator_streams_ == 0) {
        operator_streams_ended_.notify_all();
    }
}

bool center_state::wait_operator_streams_ended(std::chrono::milliseconds timeout) {
    std::unique_lock lock(operator_streams_mutex_);
    return operator_streams_ended_.wait_for(lock, timeout, [&] { return operator_streams_ == 0; });
}

std::optional<std::uint64_t> center_state::watcher_started(std::function<void()> close,
                                                           watcher_kind kind) {
    std::lock_guard lock(watchers_mutex_);
    if (watchers_closed_) {
        return std::nullopt;
    }
    const std::uint64_t id = next_watcher_++;
    watchers_.emplace(id, watcher{std::move(close), kind});
    return id;
}

void center_state::watcher_ended(std::uint64_t id) {
    std::lock_guard lock(watchers_mutex_);
    watchers_.erase(id);
    if (watchers_.empty()) {
        watchers_ended_.notify_all();
    }
}

void center_state::close_watchers() {
    std::vector<std::function<void()>> closers;
    {
        std::lock_guard lock(watchers_mutex_);
        watchers_closed_ = true;
        for (auto& [id, w] : watchers_) {
            closers.push_back(std::exchange(w.close, {}));
        }
    }
    // Outside the lock: a closer only posts, but it must never wait on a watcher that is
    // itself waiting for this lock to end.
    for (const auto& close : closers) {
        if (close) {
            close();
        }
    }
}

bool center_state::wait_watchers_ended(std::chrono::milliseconds timeout) {
    std::unique_lock lock(watchers_mutex_);
    return watchers_ended_.wait_for(lock, timeout, [&] { return watchers_.empty(); });
}

std::size_t center_state::watchers() const {
    return watchers_of(watcher_kind::event_watcher);
}

std::size_t center_state::call_sessions() const {
    return watchers_of(watcher_kind::call_session);
}

std::size_t center_state::watchers_of(watcher_kind kind) const {
    std::lock_guard lock(watchers_mutex_);
    return static_cast<std::size_t>(
        std::count_if(watchers_.begin(), watchers_.end(),
                      [kind](const auto& w) { return w.second.kind == kind; }));
}

std::chrono::steady_clock::duration center_state::sweep_period() const {
    using namespace std::chrono;
    const steady_clock::duration shortest =
        std::min({duration_cast<steady_clock::duration>(options_.auth_timeout),
                  duration_cast<steady_clock::duration>(options_.heartbeat_interval),
                  duration_cast<steady_clock::duration>(options_.heartbeat_timeout -
                                                        options_.heartbeat_interval),
                  duration_cast<steady_clock::duration>(options_.stream_stall_timeout)});
    return std::clamp<steady_clock::duration>(shortest / 4, milliseconds(5), seconds(1));
}

void center_state::start_sweep() {
    sweep_timer_ = std::make_unique<net::steady_timer>(ioc_);
    sweeping_ = true;
    schedule_sweep();
}

void center_state::stop_sweep() {
    sweeping_ = false;
    if (sweep_timer_) {
        net::post(ioc_, [this] { sweep_timer_->cancel(); });
    }
}

void center_state::add_connection(const std::shared_ptr<master_session>& session) {
    registry_.add_connection(session);
    deadlines_.push({session->connected_at_steady() +
                         std::chrono::duration_cast<clock::duration>(options_.auth_timeout),
                     session, deadline_queue::check::auth});
}

void center_state::start_heartbeat(const std::shared_ptr<master_session>& session) {
    deadlines_.push(
        {clock::now() + std::chrono::duration_cast<clock::duration>(options_.heartbeat_interval),
         session, deadline_queue::check::heartbeat});
}

void center_state::schedule_stall_check(const std::shared_ptr<master_session>& session) {
    deadlines_.push({clock::now() + sweep_period(), session, deadline_queue::check::streams});
}

void center_state::schedule_sweep() {
    // At the end of the wheel's tick, when the entries due within it can be taken.
    sweep_timer_->expires_at(deadlines_.tick_end(clock::now()));
    sweep_timer_->async_wait([this](beast::error_code ec) {
        if (ec || !sweeping_) {
            return;
        }
        sweep(clock::now());
    });
}

void center_state::sweep(clock::time_point now) {
    // A fleet that connected within a few seconds comes due within a few seconds, every
    // interval. Its entries are handled a batch per handler: the next batch is posted behind
    // the completions of this one's pings, so the operations in flight, the sweep's vector and
    // the time the queue's lock is held stay bounded, and reads (the pongs) are served between
    // batches.
    constexpr std::size_t batch = 256;
    deadlines_.take_due(now, batch, due_);
    for (const deadline_queue::entry& e : due_) {
        // A connection that ended drops its entries.
        const auto session = e.session.lock();
        if (!session) {
            continue;
        }
        // Every action is posted to the session's own strand, so the sweep never waits on a
        // session.
        switch (e.what) {
            case deadline_queue::check::auth:
                check_auth(session, now);
                break;
            case deadline_queue::check::heartbeat:
                check_heartbeat(session, now);
                break;
            case deadline_queue::check::streams:
                session->check_stalled_streams();
                break;
        }
    }
    // Entries pushed back above are due after `now`, so the batches end.
    const bool more = due_.size() == batch;
    due_.clear();
    if (!more) {
        audit_.report_skipped_copies();  // a burst's skipped log copies, once it is over
        return schedule_sweep();
    }
    net::post(ioc_, [this, now] {
        if (sweeping_) {
            sweep(now);
        }
    });
}

void center_state::check_auth(const std::shared_ptr<master_session>& session,
                              clock::time_point now) {
    if (session->closing() || session->authenticated()) {
        return;  // ending, or its heartbeat entry took over at auth (start_heartbeat)
    }
    const clock::time_point deadline =
        session->connected_at_steady() +
        std::chrono::duration_cast<clock::duration>(options_.auth_timeout);
    if (now < deadline) {
        return deadlines_.push({deadline, session, deadline_queue::check::auth});
    }
    logging::warning("no authentication in time, closing with 1008",
                     {{"REMOTE_ADDR", session->remote()}, {"EVENT", "auth-timeout"}});
    session->close(proto::close_code::policy_violation, "authentication timeout",
                   disconnect_reason::auth_timeout);
}

void center_state::check_heartbeat(const std::shared_ptr<master_session>& session,
                                   clock::time_point now) {
    if (session->closing()) {
        return;  // it is ending: nothing more to enforce, and no next entry
    }
    auto next_check = [&](clock::time_point due) {
        deadlines_.push({due, session, deadline_queue::check::heartbeat});
    };
    const auto interval = std::chrono::duration_cast<clock::duration>(options_.heartbeat_interval);
    const auto timeout = std::chrono::duration_cast<clock::duration>(options_.heartbeat_timeout);
    // Any frame moves last_seen without touching the queue, so an entry may find the session
    // active again: it then just moves on to the new silence's deadlines.
    const clock::time_point last_seen = session->last_seen();
    if (now - last_seen >= timeout) {
        // The peer has not answered a ping for heartbeat.timeout: it will not answer a
        // closing handshake either.
        session->abort(disconnect_reason::heartbeat_timeout);
        return;
    }
    if (now - last_seen < interval) {
        return next_check(last_seen + interval);
    }
    // Silent for an interval: one ping per silent period, then eviction at the timeout unless
    // something (the pong) arrives meanwhile.
    if (session->last_pinged() < last_seen) {
        session->mark_pinged(now);
        session->ping();
    }
    next_check(last_seen + timeout);
}

}  // namespace regcenter
