// One event of GET /v1/events as a line for people, for `regcenterctl watch`.
#pragma once

#include <string>

#include <boost/json/object.hpp>

namespace regcenter::ctl {

/// "INDEX  TIME  TYPE  key=value …": the type padded to the longest known one, then the event's
/// other fields in a fixed order (master, name, service, reason, remote, change, fingerprint,
/// count, job, kind, action, targets, started_by, summary; unknown ones after, by name), so that
/// lines line up and scripts can rely on the order. Values are printable(); one with a space, a
/// quote, an '=' or nothing at all is JSON-quoted; numbers, objects and arrays are compact JSON.
std::string event_line(const boost::json::object& event);

}  // namespace regcenter::ctl
