// How every WebSocket stream in regcenter writes: one frame per message, one send per frame.
//
// Beast's defaults cost a system call per 4 KiB: with auto_fragment on (the default) a
// message is cut into 4 KiB frames, each written on its own, and a client (which must mask)
// masks and writes 4 KiB at a time whatever the fragmentation. A 64 KiB stream frame then
// took 16 sends, and on loopback or in a VM the sends are most of the cost of moving data.
#pragma once

#include <cstddef>

#include "regcenter/common/net.hpp"

namespace regcenter {

/// Bytes a client masks per write: a whole stream frame (64 KiB payload plus its header) and
/// the WebSocket header around it, so a data frame is one send. Allocated once per stream.
inline constexpr std::size_t client_write_buffer = 64 * 1024 + 64;

/// Writes each message as one frame; a client also masks and sends up to
/// client_write_buffer bytes at a time (a server sends the caller's buffers as they are).
template <class NextLayer, bool Deflate>
void write_whole_frames(websocket::stream<NextLayer, Deflate>& ws, beast::role_type role) {
    ws.auto_fragment(false);
    if (role == beast::role_type::client) {
        ws.write_buffer_bytes(client_write_buffer);
    }
}

}  // namespace regcenter
