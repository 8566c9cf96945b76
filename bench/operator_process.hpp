// The operator as a separate process, as the issue and real use require: it reaches the
// server only through its public interface (regcenter's admin API, NATS's client protocol),
// while the simulated masters keep running in this process.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "regcenter/common/net.hpp"

namespace regcenter::bench {

/// Runs `argv` (regcenter-bench-operator …) while `fleet` keeps serving, and returns the JSON
/// object it printed on stdout. The child inherits this process's CPU pinning. Throws
/// std::runtime_error when it exits non-zero, prints no JSON object, or runs past `limit`
/// (it is killed then).
boost::json::object run_operator(net::io_context& fleet, std::vector<std::string> argv,
                                 std::chrono::seconds limit);

}  // namespace regcenter::bench
