// Services a master hosts (proto-spec/services.md), as master::register_service() takes them.
//
// The type is the protocol's own, so the SDK, the center and the tests validate a service with
// the very same rules (regcenter/proto/service.hpp parse_service).
#pragma once

#include "regcenter/proto/service.hpp"

namespace regcenter {

/// One service instance: name (1-128 characters of A-Z a-z 0-9 . _ -), version (at most 64
/// characters), endpoints (at most 32 of at most 512 characters) and metadata (at most 64 keys
/// of 1-128 characters, values of at most 1024 characters).
using service_info = proto::service_info;

/// A registered instance as discover() and subscribe() report it: the service and the master
/// hosting it (its session id on the answering center, name, address and labels).
using service_instance = proto::service_instance;

/// Narrows discover() and subscribe(): every given pair must be in the instance's metadata, and
/// in its master's labels. Empty: every instance.
struct service_filter {
    proto::label_map metadata = {};
    proto::label_map labels = {};
};

/// Services one master may register (per center session).
inline constexpr std::size_t max_services = proto::service_limits::max_services;

}  // namespace regcenter
