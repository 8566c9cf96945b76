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
    auto job = std::make_shared<stored_job>();
    job->record = std::move(record);
    job_record& r = job->record;
    r.started_at = std::chrono::system_clock::now();
    r.targets = r.results.size();
    job_record started;
    {
        std::lock_guard lock(mutex_);
        do {
            r.id = random_hex_id(8);
        } while (jobs_.contains(r.id));
        jobs_.emplace(r.id, job);
        order_.push_back(job);
        started = job_brief(r);
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
    if (it == jobs_.end() || index >= it->second->record.results.size()) {
        return false;
    }
    stored_job& stored = *it->second;
    job_record& job = stored.record;
    job_result& slot = job.results[index];
    if (slot.status != job_status::pending) {
        return false;  // exactly one status per target
    }
    outcome.master = std::move(slot.master);
    outcome.name = std::move(slot.name);
    slot = std::move(outcome);
    switch (slot.status) {
        case job_status::ok:
            ++job.summary.ok;
            break;
        case job_status::timeout:
            ++job.summary.timeout;
            break;
        case job_status::disconnected:
        case job_status::not_found:
            ++job.summary.disconnected;
            break;
        default:
            ++job.summary.error;
            break;
    }
    if (++job.finished_targets < job.results.size()) {
        return false;
    }
    std::vector<job_result> results = finish_locked(stored);
    finished = job;  // before trimming may drop it
    finished.results = std::move(results);
    trim_locked();
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
        if (!job->record.done) {
            std::vector<job_result> results = finish_locked(*job);
            out = job->record;
            out->results = std::move(results);
            trim_locked();
            finished_now = true;
        } else {
            out = whole(*job);
        }
    }
    if (finished_now) {
        notify("job-finished", *out);
    }
    return out;
}

std::vector<job_result> job_store::finish_locked(stored_job& stored) {
    job_record& job = stored.record;
    job.done = true;
    job.finished_at = std::chrono::system_clock::now();
    job.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(job.finished_at - job.started_at);
    std::vector<job_result> results = std::move(job.results);
    job.results = {};
    stored.packed = packed_results(results);
    ++finished_jobs_;
    finished_results_ += job.targets;
    finished_output_ += stored.packed.output_size();
    return results;
}

void job_store::trim_locked() {
    // Whole jobs first, while there are too many or they hold too many results.
    for (auto it = order_.begin(); it != order_.end() && (finished_jobs_ > limits_.jobs ||
                                                          finished_results_ > limits_.results);) {
        stored_job& job = **it;
        if (!job.record.done) {
            ++it;
            continue;
        }
        --finished_jobs_;
        finished_results_ -= job.record.targets;
        finished_output_ -= job.packed.output_size();
        jobs_.erase(job.record.id);
        it = order_.erase(it);
    }
    // Then outputs, keeping the statuses and sizes; recently finished jobs keep theirs.
    const auto grace_start = std::chrono::system_clock::now() - limits_.output_grace;
    for (auto it = order_.begin(); it != order_.end() && finished_output_ > limits_.output_bytes;
         ++it) {
        stored_job& job = **it;
        if (!job.record.done || job.record.outputs_dropped ||
            job.record.finished_at > grace_start) {
            continue;
        }
        finished_output_ -= job.packed.drop_outputs();
        job.record.outputs_dropped = true;
    }
}

std::optional<job_record> job_store::find(const std::string& id, bool with_results) const {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) {
        return std::nullopt;
    }
    return with_results ? whole(*it->second) : job_brief(it->second->record);
}

job_record job_store::whole(const stored_job& job) {
    job_record out = job.record;
    if (out.done) {
        out.results = job.packed.unpack();
    }
    return out;
}

std::vector<job_record> job_store::recent(std::size_t limit) const {
    std::vector<job_record> out;
    std::lock_guard lock(mutex_);
    for (auto it = order_.rbegin(); it != order_.rend() && out.size() < limit; ++it) {
        out.push_back(job_brief((*it)->record));
    }
    return out;
}

std::size_t job_store::running() const {
    std::lock_guard lock(mutex_);
    return jobs_.size() - finished_jobs_;
}

}  // namespace regcenter
