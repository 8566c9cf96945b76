// Binary stream data frames: [0x01][stream id, uint32 big-endian][payload] (actions.md A.2).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter::proto {

/// The 5-byte header of a data frame, for writers that gather header and payload buffers
/// without copying the payload.
std::array<char, streams::data_header_size> encode_data_header(stream_id stream);

/// A whole data frame in one string (header + payload), for small payloads and tests.
std::string encode_data_frame(stream_id stream, std::string_view payload);

/// A decoded data frame; `payload` points into the frame it was decoded from.
struct data_frame {
    stream_id stream = 0;
    std::string_view payload;
};

/// Decodes a binary frame. nullopt when it is shorter than the header, has another type byte,
/// names stream 0 or carries more than max_data_payload bytes: the receiver closes with 1003.
std::optional<data_frame> decode_data_frame(std::string_view frame);

}  // namespace regcenter::proto
