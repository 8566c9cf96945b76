// The center's metrics (docs/metrics.md): the counters the sessions, the sweep and the jobs
// update where things happen, and the gauges read from the center's state when scraped.
#pragma once

#include <string>
#include <string_view>

#include "disconnect_reason.hpp"
#include "metrics.hpp"

namespace regcenter {

class center_state;
struct job_record;

class center_metrics {
    // First, in this order: the public references below point into them.
    metrics::registry registry_;
    metrics::family<metrics::counter>& connections_accepted_;
    metrics::family<metrics::counter>& stream_bytes_;

  public:
    /// Distinct action names that get their own series; later ones count as action="other".
    static constexpr std::size_t max_action_labels = 1000;

    /// The gauges read `state` when scraped; nothing is read before.
    explicit center_metrics(center_state& state);

    /// The exposition (Prometheus text format 0.0.4), rendered anew for each scrape.
    std::string render() const { return registry_.render(); }

    /// Connections accepted, by listener.
    metrics::counter& master_connections_accepted;
    metrics::counter& admin_connections_accepted;

    metrics::counter& auth_successes;
    metrics::counter& auth_failures;  ///< each wrong token
    metrics::counter& auth_timeouts;  ///< no auth (or no upgrade request) within auth.timeout

    /// WebSocket messages (not control frames) on master connections, and their payload bytes.
    metrics::counter& frames_received;
    metrics::counter& frames_sent;
    metrics::counter& bytes_received;
    metrics::counter& bytes_sent;

    /// Stream payload bytes (without frame headers), for every kind of stream.
    metrics::counter& stream_bytes_to_master;
    metrics::counter& stream_bytes_from_master;

    /// From a heartbeat ping to its pong, in seconds.
    metrics::histogram& heartbeat_round_trip;

    /// An authenticated session ended (once per session).
    void disconnected(disconnect_reason why);

    /// The job store's observer calls these: actions by action name and outcome, job latency.
    void job_started(const job_record& job);
    void job_finished(const job_record& job);

  private:
    metrics::family<metrics::counter>& disconnects_;
    metrics::family<metrics::counter>& actions_started_;
    metrics::family<metrics::counter>& actions_finished_;
    metrics::family<metrics::histogram>& job_duration_;
    metrics::label_limit action_labels_{max_action_labels};
};

/// "heartbeat timeout" → "heartbeat-timeout": the word events and metrics use.
std::string reason_label(disconnect_reason why);

}  // namespace regcenter
