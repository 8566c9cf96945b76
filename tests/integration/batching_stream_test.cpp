// batching_stream under a real WebSocket server over loopback: what it holds leaves in one
// send, in order, and never more than max_held bytes wait.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "regcenter/common/batching_stream.hpp"
#include "regcenter/common/websocket_writes.hpp"

namespace regcenter {
namespace {

using namespace std::chrono_literals;
using namespace net::experimental::awaitable_operators;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// A connected pair: a server WebSocket over batching_stream and a plain client, set up by
// run() before the test body, which runs as a coroutine on the same io_context.
class BatchingStreamTest : public ::testing::Test {
  protected:
    using server_ws = websocket::stream<batching_stream>;
    using client_ws = websocket::stream<beast::tcp_stream>;

    template <class Body>
    void run(Body body) {
        bool finished = false;
        net::co_spawn(
            ioc_,
            [&]() -> net::awaitable<void> {
                tcp::acceptor acceptor(ioc_, {net::ip::make_address("127.0.0.1"), 0});
                client_ws client(ioc_);
                co_await beast::get_lowest_layer(client).async_connect(acceptor.local_endpoint(),
                                                                       net::use_awaitable);
                auto socket = co_await acceptor.async_accept(net::use_awaitable);
                server_ws server(beast::tcp_stream(std::move(socket)));
                write_whole_frames(server, beast::role_type::server);
                write_whole_frames(client, beast::role_type::client);
                co_await (server.async_accept(net::use_awaitable) &&
                          client.async_handshake("127.0.0.1", "/", net::use_awaitable));
                co_await body(server, client);
                finished = true;
            },
            [](std::exception_ptr e) {
                if (e) {
                    std::rethrow_exception(e);
                }
            });
        ioc_.run_for(10s);
        EXPECT_TRUE(finished) << "the test did not finish within 10 s";
    }

    static net::awaitable<void> write(server_ws& ws, const std::string& text) {
        auto [ec, n] = co_await ws.async_write(net::buffer(text), use_tuple);
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_EQ(n, text.size());
    }

    static net::awaitable<std::string> read(client_ws& ws) {
        beast::flat_buffer buffer;
        auto [ec, n] = co_await ws.async_read(buffer, use_tuple);
        EXPECT_FALSE(ec) << ec.message();
        co_return beast::buffers_to_string(buffer.data());
    }

    // Bytes the client's socket received but nobody read, after waiting `wait` for more.
    static net::awaitable<std::size_t> unread_after(client_ws& ws, std::chrono::milliseconds wait) {
        net::steady_timer timer(co_await net::this_coro::executor, wait);
        co_await timer.async_wait(net::use_awaitable);
        co_return beast::get_lowest_layer(ws).socket().available();
    }

    net::io_context ioc_;
};

TEST_F(BatchingStreamTest, held_frames_leave_in_one_send_in_order) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        const auto before = server.next_layer().sends();
        server.next_layer().hold();
        co_await write(server, "stream-open");
        co_await write(server, "data");
        co_await write(server, "stream-end");
        EXPECT_EQ(server.next_layer().sends(), before) << "held writes reached the socket";
        server.next_layer().release(nullptr);
        EXPECT_EQ(server.next_layer().sends(), before + 1);
        EXPECT_EQ(co_await read(client), "stream-open");
        EXPECT_EQ(co_await read(client), "data");
        EXPECT_EQ(co_await read(client), "stream-end");
    });
}

TEST_F(BatchingStreamTest, without_hold_every_write_is_sent_at_once) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        const auto before = server.next_layer().sends();
        co_await write(server, "one");
        EXPECT_EQ(co_await read(client), "one");
        co_await write(server, "two");
        EXPECT_EQ(co_await read(client), "two");
        EXPECT_EQ(server.next_layer().sends(), before + 2);
    });
}

TEST_F(BatchingStreamTest, a_large_write_takes_what_is_held_along_in_the_same_send) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        const std::string large(batching_stream::max_held_write + 1, 'L');
        const auto before = server.next_layer().sends();
        server.next_layer().hold();
        co_await write(server, "small");
        co_await write(server, large);
        EXPECT_EQ(server.next_layer().sends(), before + 1);
        EXPECT_EQ(co_await read(client), "small");
        EXPECT_EQ(co_await read(client), large);
        co_await write(server, "after");  // still holding: waits for release
        EXPECT_EQ(co_await unread_after(client, 50ms), 0u);
        server.next_layer().release(nullptr);
        EXPECT_EQ(co_await read(client), "after");
    });
}

TEST_F(BatchingStreamTest, holding_never_delays_more_than_max_held_bytes) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        const std::size_t size = 10 * 1024;
        const std::size_t count = 2 * batching_stream::max_held / size;
        const auto before = server.next_layer().sends();
        server.next_layer().hold();
        for (std::size_t i = 0; i < count; ++i) {
            co_await write(server, std::string(size, static_cast<char>('a' + i)));
        }
        // Never released: what went beyond max_held was sent on its own.
        EXPECT_GT(server.next_layer().sends(), before);
        EXPECT_EQ(co_await read(client), std::string(size, 'a'));
        server.next_layer().release(nullptr);
        for (std::size_t i = 1; i < count; ++i) {
            EXPECT_EQ(co_await read(client), std::string(size, static_cast<char>('a' + i)));
        }
    });
}

TEST_F(BatchingStreamTest, a_write_during_the_flush_waits_for_it_and_keeps_the_order) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        server.next_layer().hold();
        co_await write(server, "first");
        server.next_layer().release(nullptr);  // the flush is in flight when "second" comes
        co_await write(server, "second");
        EXPECT_EQ(co_await read(client), "first");
        EXPECT_EQ(co_await read(client), "second");
    });
}

TEST_F(BatchingStreamTest, a_close_after_release_comes_after_what_was_held) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        server.next_layer().hold();
        co_await write(server, "last words");
        server.next_layer().release(nullptr);
        server.async_close(websocket::close_code::normal, [](beast::error_code) {});
        EXPECT_EQ(co_await read(client), "last words");
        beast::flat_buffer buffer;
        auto [ec, n] = co_await client.async_read(buffer, use_tuple);
        EXPECT_EQ(ec, websocket::error::closed);
        EXPECT_EQ(client.reason().code, websocket::close_code::normal);
    });
}

TEST_F(BatchingStreamTest, the_answer_to_a_peers_close_is_sent_even_while_holding) {
    run([](server_ws& server, client_ws& client) -> net::awaitable<void> {
        server.next_layer().hold();
        co_await write(server, "held");
        beast::flat_buffer server_buffer;
        std::optional<beast::error_code> server_read;
        server.async_read(server_buffer,
                          [&](beast::error_code ec, std::size_t) { server_read = ec; });
        // Beast answers the close with a close frame, held like any write; the teardown sends
        // it, so the client's close completes instead of waiting for its timeout.
        auto [close_ec] = co_await client.async_close(websocket::close_code::normal, use_tuple);
        EXPECT_FALSE(close_ec) << close_ec.message();
        net::steady_timer settle(co_await net::this_coro::executor, 20ms);
        for (int i = 0; i < 100 && !server_read; ++i) {
            co_await settle.async_wait(net::use_awaitable);
            settle.expires_after(20ms);
        }
        EXPECT_TRUE(server_read.has_value());
        EXPECT_EQ(server_read.value_or(beast::error_code{}), websocket::error::closed);
    });
}

}  // namespace
}  // namespace regcenter
