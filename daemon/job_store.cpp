// The history is trimmed oldest-first each time a job finishes, so its memory stays within
// job_history_limits whatever the job rate.
#include "job_store.hpp"

#include "regcenter/common/random_id.hpp"

namespace regcenter {

void job_store::notify(const char* type, const job_record& job) const {
    if (on_change_) {
        on_change_(type, job);
    }
}

std::string job_store::start(job_record record) {
    auto job = std::make_shared<job_record>(std::move(record));
    job->started_at = std::chrono::system_clock::now();
    job->targets = job->results.size();
    job_record started;
    {
        std::lock_guard lock(mutex_);
        do {
            job->id = random_hex_id(8);
        } while (jobs_.contains(job->id));
        jobs_.emplace(job->id, job);
        order_.push_back(job);
        started = brief(*job);
    }
    notify("job-started", started);
    return started.id;
}

bool job_store::record(const std::string& id, std::size_t index, job_result outcome,
                       job_record* finished) {
    job_record done;
    if (!record_locked(id, index, std::move(outcome), done)) {
        return false;
    }
    notify("job-finished", done);  // whole, for the audit log (center_state)
    if (finished != nullptr) {
        *finished = std::move(done);
    }
    return true;
}

bool job_store::record_locked(const std::string& id, std::size_t index, job_result outcome,
                              job_record& finished) {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end() || index >= it->second->results.size()) {
        return false;
    }
    job_record& job = *it->second;
    job_result& slot = job.results[index];
    if (slot.status != "pending") {
        return false;  // exactly one status per target
    }
    outcome.master = std::move(slot.master);
    outcome.name = std::move(slot.name);
    slot = std::move(outcome);
    if (slot.status == "ok") {
        ++job.summary.ok;
    } else if (slot.status == "timeout") {
        ++job.summary.timeout;
    } else if (slot.status == "disconnected" || slot.status == "not-found") {
        ++job.summary.disconnected;
    } else {
        ++job.summary.error;
    }
    if (++job.finished_targets < job.results.size()) {
        return false;
    }
    job.done = true;
    job.finished_at = std::chrono::system_clock::now();
    job.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(job.finished_at - job.started_at);
    finished = job;  // before trimming may drop it
    finish_locked(job);
    return true;
}

std::optional<job_record> job_store::finish(const std::string& id) {
    std::optional<job_record> out;
    bool finished_now = false;
    {
        std::lock_guard lock(mutex_);
        auto it = jobs_.find(id);
        if (it == jobs_.end()) {
            return std::nullopt;
        }
        auto job = it->second;  // trimming may drop it from the map
        if (!job->done) {
            finish_locked(*job);
            finished_now = true;
        }
        out = *job;
    }
    if (finished_now) {
        notify("job-finished", *out);
    }
    return out;
}

void job_store::finish_locked(job_record& job) {
    if (!job.done) {
        job.done = true;
        job.finished_at = std::chrono::system_clock::now();
        job.duration =
            std::chrono::duration_cast<std::chrono::milliseconds>(job.finished_at - job.started_at);
    }
    ++finished_jobs_;
    finished_results_ += job.results.size();
    for (const auto& r : job.results) {
        finished_output_ += r.output.size();
    }
    trim_locked();
}

void job_store::trim_locked() {
    // Whole jobs first, while there are too many or they hold too many results.
    for (auto it = order_.begin(); it != order_.end() && (finished_jobs_ > limits_.jobs ||
                                                          finished_results_ > limits_.results);) {
        job_record& job = **it;
        if (!job.done) {
            ++it;
            continue;
        }
        --finished_jobs_;
        finished_results_ -= job.results.size();
        for (const auto& r : job.results) {
            finished_output_ -= r.output.size();
        }
        jobs_.erase(job.id);
        it = order_.erase(it);
    }
    // Then outputs, keeping the statuses and sizes; recently finished jobs keep theirs.
    const auto grace_start = std::chrono::system_clock::now() - limits_.output_grace;
    for (auto it = order_.begin(); it != order_.end() && finished_output_ > limits_.output_bytes;
         ++it) {
        job_record& job = **it;
        if (!job.done || job.outputs_dropped || job.finished_at > grace_start) {
            continue;
        }
        for (auto& r : job.results) {
            finished_output_ -= r.output.size();
            std::string().swap(r.output);
        }
        job.outputs_dropped = true;
    }
}

std::optional<job_record> job_store::find(const std::string& id, bool with_results) const {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) {
        return std::nullopt;
    }
    return with_results ? *it->second : brief(*it->second);
}

job_record job_store::brief(const job_record& job) {
    job_record out;
    out.id = job.id;
    out.kind = job.kind;
    out.action = job.action;
    out.started_by = job.started_by;
    out.started_at = job.started_at;
    out.finished_at = job.finished_at;
    out.duration = job.duration;
    out.done = job.done;
    out.outputs_dropped = job.outputs_dropped;
    out.targets = job.targets;
    out.finished_targets = job.finished_targets;
    out.summary = job.summary;
    return out;
}

std::vector<job_record> job_store::recent(std::size_t limit) const {
    std::vector<job_record> out;
    std::lock_guard lock(mutex_);
    for (auto it = order_.rbegin(); it != order_.rend() && out.size() < limit; ++it) {
        out.push_back(brief(**it));
    }
    return out;
}

std::size_t job_store::running() const {
    std::lock_guard lock(mutex_);
    return jobs_.size() - finished_jobs_;
}

}  // namespace regcenter
