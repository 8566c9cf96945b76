// What every operator WebSocket taken over from an admin connection (the stream, call and event
// endpoints) is set up with before it accepts the upgrade.
#pragma once

#include <cstddef>

#include "regcenter/common/net.hpp"
#include "regcenter/common/websocket_writes.hpp"

namespace regcenter {

/// No HTTP read deadline any more; Beast's suggested server timeouts, whose keep-alive pings
/// notice an operator that vanished without closing; the center's Server header; messages of
/// at most `max_message` bytes (larger ones close with 1009); one frame per message.
template <class NextLayer>
void prepare_operator_websocket(websocket::stream<NextLayer>& ws, std::size_t max_message) {
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "regcenterd/0.1"); }));
    ws.read_message_max(max_message);
    write_whole_frames(ws, beast::role_type::server);
}

}  // namespace regcenter
