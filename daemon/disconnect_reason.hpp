// Why a session ended: logged with every disconnect and, later, carried by membership events.
#pragma once

#include <string_view>

namespace regcenter {

enum class disconnect_reason {
    closed,             ///< the master closed the connection or the socket failed
    left,               ///< the master sent {"cmd":"leave"}
    heartbeat_timeout,  ///< silent for heartbeat.timeout
    kicked,             ///< an operator closed it (admin API or center::kick)
    shutdown,           ///< the center is stopping
    auth_timeout,       ///< no successful auth within auth.timeout
    auth_failures,      ///< auth.max_failures wrong tokens
    protocol_error,     ///< a binary or oversized frame
    slow_consumer,      ///< its write queue passed center_options::max_write_queue
};

/// Words used in logs and the API: "closed", "left", "heartbeat timeout", …
std::string_view to_string(disconnect_reason r);

}  // namespace regcenter
