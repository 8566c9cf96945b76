// Running jobs and a bounded history of finished ones, shared by every admin connection.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "job.hpp"
#include "packed_results.hpp"

namespace regcenter {

/// Bounds of the history of finished jobs (running jobs are always kept). When one is passed,
/// the oldest finished jobs go first: their outputs for the output budget, whole jobs for the
/// other two.
struct job_history_limits {
    std::size_t jobs = 1000;
    std::size_t results = 100'000;         ///< per-master results over all finished jobs
    std::size_t output_bytes = 64u << 20;  ///< outputs kept over all finished jobs
    /// A job keeps its outputs at least this long after it finished, whatever the budget, so
    /// that a client that started it without waiting can still fetch them.
    std::chrono::seconds output_grace{30};
};

/// Jobs the admin API lets run at once; beyond, new ones are refused with 503.
inline constexpr std::size_t max_running_jobs = 1024;

/// Thread-safe: results arrive on many session strands while admin requests read.
class job_store {
  public:
    /// Told of every job that starts and finishes (the center publishes them as events and
    /// audits finished ones); called outside the store's lock, with the job without its
    /// results when it starts and whole (results, args) when it finishes.
    using observer = std::function<void(const char* type, const job_record& job)>;

    explicit job_store(job_history_limits limits, observer on_change = {})
        : limits_(limits), on_change_(std::move(on_change)) {}

    /// Registers a running job; fills in its id and start time and returns the id.
    std::string start(job_record record);

    /// Records the outcome of target `index` (its master and name are kept from the start).
    /// Returns true when it was the last one: the job is then done, enters the history, and
    /// is copied to `finished` if given. A second outcome for the same target is ignored.
    bool record(const std::string& id, std::size_t index, job_result outcome,
                job_record* finished = nullptr);

    /// Marks a job without targets done at once and returns it (nullopt if unknown).
    std::optional<job_record> finish(const std::string& id);

    /// A copy of the job, or nullopt if it is unknown or dropped from history. Without
    /// results it is a cheap copy for progress polling.
    std::optional<job_record> find(const std::string& id, bool with_results = true) const;

    /// The most recent jobs first (running and finished), without results and outputs.
    std::vector<job_record> recent(std::size_t limit) const;

    std::size_t running() const;

  private:
    // A job as the store keeps it: whole while it runs; once finished, its results packed
    // (packed_results.hpp says why) and record.results empty.
    struct stored_job {
        job_record record;
        packed_results packed;
    };

    bool record_locked(const std::string& id, std::size_t index, job_result outcome,
                       job_record& finished);
    /// Marks the job done and packs its results into the history; returns the results
    /// themselves, for the caller's copy. The caller trims afterwards.
    std::vector<job_result> finish_locked(stored_job& job);
    void trim_locked();
    static job_record whole(const stored_job& job);

    void notify(const char* type, const job_record& job) const;

    const job_history_limits limits_;
    const observer on_change_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<stored_job>> jobs_;
    std::deque<std::shared_ptr<stored_job>> order_;  // by start, oldest first
    std::size_t finished_jobs_ = 0;
    std::size_t finished_results_ = 0;
    std::size_t finished_output_ = 0;
};

}  // namespace regcenter
