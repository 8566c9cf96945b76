// The center: the registry of masters with its WebSocket and admin listeners, as a library.
//
// regcenterd is a thin main over this class; tests and embedders run it in-process. Its API
// mirrors the original Register class: start, stop, the connected masters, and token management.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "action_call.hpp"
#include "center_options.hpp"
#include "center_stream.hpp"
#include "job.hpp"
#include "job_runner.hpp"
#include "master_info.hpp"
#include "master_selector.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter {

class center_state;

class center {
  public:
    explicit center(center_options options);
    ~center();  ///< stops the center if it is running
    center(const center&) = delete;
    center& operator=(const center&) = delete;

    /// Binds both listeners and starts the I/O threads. Throws std::system_error whose what()
    /// names the address when a listener can't be bound (e.g. the port is in use).
    void start();

    /// Closes every session with 1001 (going away), stops the listeners and joins the threads.
    /// Idempotent; safe from any thread but the center's own.
    void stop();

    /// The bound addresses; valid after start(), with the real port when 0 was configured.
    tcp::endpoint master_endpoint() const;
    tcp::endpoint admin_endpoint() const;

    /// Authenticated sessions, ordered by connection time.
    std::vector<master_info> masters() const;
    /// Their number, without copying them.
    std::size_t master_count() const;
    std::optional<master_info> master(const std::string& id) const;

    /// Closes one session with close code 4001; false if there is no such session.
    bool kick(const std::string& id);

    /// Token management. Changing tokens never drops live sessions.
    void set_tokens(std::vector<std::string> tokens);
    bool add_token(const std::string& token);  ///< false if it was already present
    bool remove_token_by_fingerprint(const std::string& fingerprint);
    std::vector<std::string> token_fingerprints() const;

    /// Opens a stream running `action` with `args` on master `id` (proto-spec/actions.md);
    /// nullptr if there is no such master. A master that did not advertise the action fails
    /// the stream at once with "unknown-action" (through handlers.on_finish).
    std::shared_ptr<center_stream> open_stream(const std::string& id, std::string action,
                                               boost::json::value args, stream_handlers handlers);

    /// Runs an action to completion (input in, output back) and calls `done` once, on a
    /// center thread, with the result: ok, error, timeout, disconnected or not-found.
    void call(call_request request, std::function<void(call_result)> done);

    /// Opens a stream running `action` with `args` on every master the selector matches that
    /// offers the action (runOnAllMasters); `make_handlers` is called once per master, before
    /// its stream opens. Returns the streams by master id.
    std::map<std::string, std::shared_ptr<center_stream>> open_streams(
        const std::string& action, const boost::json::value& args, const master_selector& selector,
        const std::function<stream_handlers(const master_info&)>& make_handlers);

    /// Runs an action on every matching master as a job (see job_runner.hpp) and returns the
    /// job id at once; `done` gets the finished job, every target with exactly one status.
    std::string fan_out(fan_out_request request, std::function<void(job_record)> done = {});

    /// A job, running or from the history.
    std::optional<job_record> job(const std::string& id) const;

    /// Replaces the admin token (e.g. on reload).
    void set_admin_token(std::string token);

    /// Closes the audit file and opens `path` (on reload: after logrotate moved the old file,
    /// or a changed audit.file; empty writes no file). See docs/audit.md.
    void reopen_audit_log(std::string path);
    /// Changes audit.log_jobs_per_second: finished jobs a second copied into the log.
    void set_audit_log_jobs_per_second(std::uint32_t per_second);

    /// The shared state, for embedders and tests that need more than this facade.
    class center_state& state();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace regcenter
