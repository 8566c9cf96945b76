// Runs one action on one master to completion: send the input, end, collect the output.
// The request/response layer over center_stream that the admin API and jobs use.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/json/value.hpp>

namespace regcenter {

class center_state;
class master_session;

struct call_request {
    std::string master_id;
    std::string action;
    boost::json::value args;
    std::string input;
    std::chrono::milliseconds timeout{30000};
    /// Output beyond this fails the call with "output-too-large": a JSON answer is no place
    /// for more; the stream endpoint is.
    std::size_t max_output = 16 * 1024 * 1024;
};

struct call_result {
    /// "ok", "error" (the action failed), "timeout", "disconnected" (the master went away),
    /// "not-found" (no such master).
    std::string status;
    std::string output;
    std::string error_code;  ///< stream-error code when status is not "ok"
    std::string error_message;
    std::chrono::milliseconds duration{0};
};

struct stream_outcome;

/// A finished stream as a call status: ok, error, timeout or disconnected.
std::string call_status(const stream_outcome& outcome);

/// Starts the call; `done` runs exactly once, on an I/O thread of the center, and must not
/// block. Never throws.
void start_call(center_state& state, call_request request, std::function<void(call_result)> done);

/// The same, sending `input` instead of request.input: shared and read-only, so that a fan-out
/// holds one copy of its input for all its targets.
void start_call(center_state& state, call_request request, std::shared_ptr<const std::string> input,
                std::function<void(call_result)> done);

/// The same on a session the caller already found (null: "not-found"); it may have ended
/// since, which the call then reports as "disconnected".
void start_call(std::shared_ptr<master_session> session, call_request request,
                std::shared_ptr<const std::string> input, std::function<void(call_result)> done);

}  // namespace regcenter
