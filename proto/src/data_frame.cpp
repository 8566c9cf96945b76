// Stream data frame header: five bytes, no allocation to decode.
#include "regcenter/proto/data_frame.hpp"

namespace regcenter::proto {

std::array<char, streams::data_header_size> encode_data_header(stream_id stream) {
    return {static_cast<char>(streams::data_frame_type), static_cast<char>(stream >> 24),
            static_cast<char>(stream >> 16), static_cast<char>(stream >> 8),
            static_cast<char>(stream)};
}

std::string encode_data_frame(stream_id stream, std::string_view payload) {
    const auto header = encode_data_header(stream);
    std::string frame;
    frame.reserve(header.size() + payload.size());
    frame.append(header.data(), header.size());
    frame.append(payload);
    return frame;
}

std::optional<data_frame> decode_data_frame(std::string_view frame) {
    if (frame.size() < streams::data_header_size ||
        static_cast<std::uint8_t>(frame[0]) != streams::data_frame_type ||
        frame.size() - streams::data_header_size > streams::max_data_payload) {
        return std::nullopt;
    }
    const auto byte = [&](std::size_t i) {
        return std::uint32_t{static_cast<std::uint8_t>(frame[i])};
    };
    const stream_id stream = (byte(1) << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4);
    if (stream == 0) {
        return std::nullopt;
    }
    return data_frame{stream, frame.substr(streams::data_header_size)};
}

}  // namespace regcenter::proto
