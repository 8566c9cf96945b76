// Names, help texts and buckets of the center's metrics; docs/metrics.md is the table of them.
#include "center_metrics.hpp"

#include <algorithm>
#include <chrono>

#include "center_state.hpp"
#include "job.hpp"

#ifndef REGCENTER_VERSION
#define REGCENTER_VERSION "unknown"
#endif

namespace regcenter {
namespace {

// Loopback pongs take well under a millisecond, a loaded WAN link seconds; a pong later than
// heartbeat.timeout - heartbeat.interval (20 s by default) never comes, the session is evicted.
const std::vector<double> round_trip_buckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20};

// Calls take milliseconds to the 30 s default deadline; operator streams may run for minutes.
const std::vector<double> job_buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                         1,     2.5,    5,     10,   30,    60,   300, 1800};

// The reasons an authenticated session can end with; the two auth reasons end connections
// that never became sessions, which regcenter_auth_* count.
constexpr disconnect_reason session_end_reasons[] = {disconnect_reason::closed,
                                                     disconnect_reason::left,
                                                     disconnect_reason::heartbeat_timeout,
                                                     disconnect_reason::kicked,
                                                     disconnect_reason::shutdown,
                                                     disconnect_reason::protocol_error,
                                                     disconnect_reason::slow_consumer};

constexpr std::string_view job_kinds[] = {"call", "fan-out", "stream"};

// Per-target outcomes, as job_summary counts them ("not-found" is counted as disconnected).
constexpr std::string_view action_statuses[] = {"ok", "error", "timeout", "disconnected"};

}  // namespace

std::string reason_label(disconnect_reason why) {
    std::string label(to_string(why));
    std::replace(label.begin(), label.end(), ' ', '-');
    return label;
}

center_metrics::center_metrics(center_state& state)
    : connections_accepted_(registry_.add_counter_family(
          "regcenter_connections_accepted_total",
          "TCP connections accepted, by listener (master or admin).", {"listener"})),
      stream_bytes_(registry_.add_counter_family(
          "regcenter_stream_bytes_total",
          "Stream data bytes (calls, fan-outs and operator streams), by direction: to_master is "
          "action input, from_master its output.",
          {"direction"})),
      master_connections_accepted(connections_accepted_.with({"master"})),
      admin_connections_accepted(connections_accepted_.with({"admin"})),
      auth_successes(registry_.add_counter("regcenter_auth_successes_total",
                                           "Master connections that authenticated.")),
      auth_failures(
          registry_.add_counter("regcenter_auth_failures_total",
                                "Authentication attempts with a wrong or missing token.")),
      auth_timeouts(registry_.add_counter(
          "regcenter_auth_timeouts_total",
          "Master connections closed for not authenticating within auth.timeout.")),
      frames_received(registry_.add_counter(
          "regcenter_master_frames_received_total",
          "WebSocket messages (text and binary, not control frames) received from masters.")),
      frames_sent(registry_.add_counter("regcenter_master_frames_sent_total",
                                        "WebSocket messages (text and binary) sent to masters.")),
      bytes_received(registry_.add_counter("regcenter_master_bytes_received_total",
                                           "Payload bytes of the messages received from masters.")),
      bytes_sent(registry_.add_counter("regcenter_master_bytes_sent_total",
                                       "Payload bytes of the messages sent to masters.")),
      stream_bytes_to_master(stream_bytes_.with({"to_master"})),
      stream_bytes_from_master(stream_bytes_.with({"from_master"})),
      heartbeat_round_trip(registry_.add_histogram(
          "regcenter_heartbeat_round_trip_seconds",
          "Time from a heartbeat ping to a master until its pong.", round_trip_buckets)),
      disconnects_(registry_.add_counter_family(
          "regcenter_disconnects_total",
          "Authenticated master sessions that ended, by reason (closed, left, heartbeat-timeout, "
          "kicked, shutdown, protocol-error, slow-consumer).",
          {"reason"})),
      actions_started_(registry_.add_counter_family(
          "regcenter_actions_started_total",
          "Action runs started by jobs, one per targeted master, by action.", {"action"})),
      actions_finished_(registry_.add_counter_family(
          "regcenter_actions_finished_total",
          "Action runs finished, by action and status (ok, error, timeout, disconnected).",
          {"action", "status"})),
      job_duration_(registry_.add_histogram_family(
          "regcenter_job_duration_seconds",
          "Time from the start of a job to its last result, by kind (call, fan-out, stream).",
          {"kind"}, job_buckets)) {
    // A zero is exported before the first event, so that rate() and increase() see it start.
    for (const disconnect_reason why : session_end_reasons) {
        disconnects_.with({reason_label(why)});
    }
    for (const std::string_view kind : job_kinds) {
        job_duration_.with({kind});
    }

    auto count = [](std::size_t n) { return static_cast<double>(n); };
    registry_.add_gauge("regcenter_build_info",
                        "The running version of regcenterd; the value is always 1.",
                        [] { return 1.0; }, {{"version", REGCENTER_VERSION}});
    registry_.add_gauge("regcenter_sessions", "Authenticated master sessions.",
                        [&state, count] { return count(state.sessions().master_count()); });
    registry_.add_gauge(
        "regcenter_unauthenticated_connections",
        "Master connections that have not authenticated (yet).", [&state] {
            // Two reads, not one snapshot: a session that ends between them must not make
            // this negative.
            const std::size_t masters = state.sessions().master_count();
            const std::size_t connections = state.sessions().connection_count();
            return static_cast<double>(connections > masters ? connections - masters : 0);
        });
    registry_.add_gauge("regcenter_service_instances",
                        "Service instances registered by masters, over all services.",
                        [&state, count] { return count(state.services().instance_count()); });
    registry_.add_gauge("regcenter_subscriptions",
                        "Masters' live subscriptions to services, over all masters.",
                        [&state, count] { return count(state.subscriptions().size()); });
    registry_.add_gauge("regcenter_event_watchers",
                        "Event watchers connected to GET /v1/events (WebSocket and SSE).",
                        [&state, count] { return count(state.watchers()); });
    registry_.add_gauge("regcenter_call_sessions",
                        "Operator connections to the call endpoint, GET /v1/calls.",
                        [&state, count] { return count(state.call_sessions()); });
    registry_.add_gauge("regcenter_jobs_running", "Jobs (calls, fan-outs, streams) running.",
                        [&state, count] { return count(state.jobs().running()); });
    registry_.add_counter_fn("regcenter_audit_entries_written_total",
                             "Audit entries appended to audit.file and fsynced.",
                             [&state] { return static_cast<double>(state.audit().written()); });
    registry_.add_counter_fn(
        "regcenter_audit_write_errors_total",
        "Audit entries that could not be written to audit.file (open, write or fsync failed).",
        [&state] { return static_cast<double>(state.audit().errors()); });
    registry_.add_counter_fn(
        "regcenter_audit_log_copies_skipped_total",
        "Finished jobs whose audit entry was not copied into the log, over "
        "audit.log_jobs_per_second.",
        [&state] { return static_cast<double>(state.audit().skipped_copies()); });
}

void center_metrics::disconnected(disconnect_reason why) {
    disconnects_.with({reason_label(why)}).inc();
}

void center_metrics::job_started(const job_record& job) {
    const std::string action = action_labels_.admit(job.action);
    actions_started_.with({action}).inc(job.targets);
    for (const std::string_view status : action_statuses) {
        actions_finished_.with({action, status});  // exported as 0 from the start
    }
}

void center_metrics::job_finished(const job_record& job) {
    const std::string action = action_labels_.admit(job.action);
    const std::size_t counts[] = {job.summary.ok, job.summary.error, job.summary.timeout,
                                  job.summary.disconnected};
    for (std::size_t i = 0; i < std::size(action_statuses); ++i) {
        if (counts[i] > 0) {
            actions_finished_.with({action, action_statuses[i]}).inc(counts[i]);
        }
    }
    // The wall clock may step between start and finish; a negative duration is not one.
    const auto took =
        std::max(job.finished_at - job.started_at, std::chrono::system_clock::duration::zero());
    job_duration_.with({job.kind}).observe(std::chrono::duration<double>(took).count());
}

}  // namespace regcenter
