// One center's life cycle (see center_link.hpp).
#include "center_link.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include <boost/json/serialize.hpp>

#include "regcenter/common/websocket_writes.hpp"
#include "regcenter/master_error.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/service.hpp"

namespace regcenter::detail {
namespace {

using clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::string_view user_agent = "regcenter-sdk/0.1";

// Data frame bytes queued for the socket before streams wait: enough to keep the socket busy,
// small enough that a ping, a credit or a new stream's data never waits behind megabytes.
constexpr std::size_t max_queued_data = 4 * proto::streams::max_data_payload;

// Encoded service entries per "register" (and in "auth"): far below the center's default
// max_message (1 MiB) even with the actions next to them in auth, yet above the largest single
// entry services.md allows (about 90 KiB), so every message carries at least one.
constexpr std::size_t max_services_bytes = 256 * 1024;

// Completion token that turns errors into values: the run loop decides on every error itself,
// so nothing is thrown across co_await.
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

std::string describe_close_code(std::uint16_t code) {
    const std::string number = " (" + std::to_string(code) + ")";
    switch (code) {
        case proto::close_code::normal:
            return "closed by the center" + number;
        case proto::close_code::going_away:
            return "center shutting down" + number;
        case proto::close_code::policy_violation:
            return "closed by the center for a policy violation" + number;
        case proto::close_code::too_big:
            return "message too big" + number;
        case proto::close_code::try_again_later:
            return "center overloaded" + number;
        case proto::close_code::kicked:
            return "kicked by an operator" + number;
        default:
            return "closed by the center" + number;
    }
}

// "20 s", "0.5 s": std::to_string would print "20.000000".
std::string format_seconds(double seconds) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%g s", seconds);
    return text.data();
}

std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
}

}  // namespace

/// The connection as the stream_mux sees it.
struct center_link::port final : stream_transport {
    port(center_link& link, const std::shared_ptr<connection>& c) : link(link), c(c) {}

    void send_message(const proto::message& m) override;
    void send_data(outgoing_data frame) override;
    bool data_room() const override;

    center_link& link;  // outlives the port: the run loop holds the link until the mux shuts down
    std::weak_ptr<connection> c;
};

/// One TCP + WebSocket connection, i.e. one attempt. Handlers of its operations hold it by
/// shared_ptr, so a late completion never touches the next attempt's stream.
struct center_link::connection {
    explicit connection(const net::strand<net::any_io_executor>& strand)
        : ws(strand), deadline(strand), watchdog(strand) {}

    ~connection() {
        if (streams) {
            streams->detach();  // normally shut down already; never use the port after this
        }
    }

    // Pings, data frames and the close frame are writes too, so they queue behind text frames.
    struct outgoing {
        enum class kind { text, data, ping, close } what;
        std::string text;
        outgoing_data data;
    };

    bool live() const { return !aborted && !ended; }

    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    net::steady_timer deadline;  // connect, auth and close limits
    std::uint64_t deadline_generation = 0;
    net::steady_timer watchdog;  // dead-center detection once authenticated
    std::deque<outgoing> outbox;
    std::size_t queued_data = 0;  // payload bytes of the data frames in outbox
    bool writing = false;
    bool close_queued = false;  // no frame may follow a close frame
    bool open = false;          // the WebSocket handshake completed
    bool authenticated = false;
    bool leaving = false;  // close() sent {"cmd":"leave"}
    bool aborted = false;  // abort() closed the socket
    bool ended = false;    // the read loop has finished
    error_code failure;    // why the SDK ended the connection, if it did
    clock::time_point last_rx{};
    clock::time_point pinged_for{};  // the last_rx our latest ping was sent for
    clock::duration heartbeat{};     // the center's announced ping interval
    clock::duration dead_after{};
    std::vector<proto::action_info> advertised;  // the list the center was told last
    // The services the center was told about on this connection (in auth or register).
    std::map<std::string, proto::service_info, std::less<>> services;
    // The services this session subscribed to, and the discovers awaiting their answer.
    std::set<std::string> subscribed;
    struct request {
        master::discover_handler handler;
        std::shared_ptr<net::steady_timer> timer;
    };
    std::map<std::uint64_t, request> requests;
    std::unique_ptr<port> stream_port;
    std::shared_ptr<stream_mux> streams;  // from the handshake on
};

void center_link::port::send_message(const proto::message& m) {
    if (auto conn = c.lock()) {
        link.send(conn, m);
    }
}

void center_link::port::send_data(outgoing_data frame) {
    if (auto conn = c.lock()) {
        link.send_data(conn, std::move(frame));
    }
}

bool center_link::port::data_room() const {
    auto conn = c.lock();
    return conn && conn->live() && !conn->close_queued && conn->queued_data < max_queued_data;
}

center_link::center_link(const net::any_io_executor& executor, proto::center_address address,
                         std::shared_ptr<master_state> state)
    : strand_(net::make_strand(executor)),
      address_(std::move(address)),
      key_(address_.key()),
      state_(std::move(state)),
      resolver_(strand_),
      retry_timer_(strand_),
      backoff_(state_->config().retry_delay, state_->config().retry_delay_max, random_seed()) {}

void center_link::start() {
    net::co_spawn(strand_, run(), [self = shared_from_this()](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                self->log(log_level::error, std::string("run loop failed: ") + ex.what());
            } catch (...) {
                self->log(log_level::error, "run loop failed");
            }
        }
        self->current_.reset();
        self->state_->set_status(self->key_, std::nullopt);
        self->finished_.store(true);
        self->state_->link_finished();
    });
}

void center_link::close() {
    net::dispatch(strand_, [self = shared_from_this()] { self->on_close_request(); });
}

void center_link::actions_changed() {
    net::post(strand_, [self = shared_from_this()] {
        if (const std::shared_ptr<connection> c = self->current_) {
            self->advertise(c);
        }
    });
}

void center_link::advertise(const std::shared_ptr<connection>& c) {
    if (!c->live() || !c->authenticated || c->leaving || c->close_queued) {
        return;  // auth carries the list; on_auth_success catches up with later changes
    }
    std::vector<proto::action_info> actions = state_->actions().snapshot();
    if (actions == c->advertised) {
        return;
    }
    log(log_level::info, "advertising " + std::to_string(actions.size()) + " actions");
    c->advertised = actions;
    send(c, proto::actions_update{std::move(actions)});
}

void center_link::services_changed() {
    net::post(strand_, [self = shared_from_this()] {
        if (const std::shared_ptr<connection> c = self->current_) {
            self->sync_services(c);
        }
    });
}

void center_link::sync_services(const std::shared_ptr<connection>& c) {
    if (!c->live() || !c->authenticated || c->leaving || c->close_queued) {
        return;  // auth carries the services; on_auth_success catches up with later changes
    }
    const std::vector<proto::service_info> wanted = state_->services().snapshot();

    // Gone: one "remove" each (the command names one service, or all of them).
    std::vector<std::string> gone;
    for (const auto& [name, s] : c->services) {
        if (!std::ranges::binary_search(wanted, name, std::less<>{}, &proto::service_info::name)) {
            gone.push_back(name);
        }
    }
    for (const std::string& name : gone) {
        log(log_level::info, "removing service \"" + name + "\"");
        c->services.erase(name);
        send(c, proto::remove_services{name, nullptr});
    }

    // New or changed: "register" messages of at most max_services_bytes of entries each.
    proto::register_services batch;
    std::size_t batch_bytes = 0;
    const auto flush = [&] {
        if (!batch.services.empty()) {
            log(log_level::info,
                "registering " + std::to_string(batch.services.size()) + " services");
            send(c, batch);
            batch.services.clear();
            batch_bytes = 0;
        }
    };
    for (const proto::service_info& s : wanted) {
        auto it = c->services.find(s.name);
        if (it != c->services.end() && it->second == s) {
            continue;
        }
        boost::json::object entry = proto::to_json(s);
        const std::size_t bytes = boost::json::serialize(entry).size();
        if (batch_bytes + bytes > max_services_bytes) {
            flush();
        }
        batch.services.emplace_back(std::move(entry));
        batch_bytes += bytes;
        c->services.insert_or_assign(s.name, s);
    }
    flush();
}

void center_link::subscriptions_changed() {
    net::post(strand_, [self = shared_from_this()] {
        if (const std::shared_ptr<connection> c = self->current_) {
            self->sync_subscriptions(c);
        }
    });
}

void center_link::sync_subscriptions(const std::shared_ptr<connection>& c) {
    if (!c->live() || !c->authenticated || c->leaving || c->close_queued) {
        return;  // on_auth_success subscribes to everything
    }
    const std::set<std::string> wanted = state_->subscriptions().services();
    for (auto it = c->subscribed.begin(); it != c->subscribed.end();) {
        if (wanted.contains(*it)) {
            ++it;
            continue;
        }
        send(c, proto::unsubscribe{*it});
        state_->report_peers(state_->subscriptions().drop(key_, *it));
        it = c->subscribed.erase(it);
    }
    for (const std::string& service : wanted) {
        if (c->subscribed.insert(service).second) {
            send(c, proto::subscribe{{service, {}, {}}, nullptr});
        }
    }
}

void center_link::discover(proto::service_query query, master::discover_handler handler) {
    net::post(strand_, [self = shared_from_this(), query = std::move(query),
                        handler = std::move(handler)]() mutable {
        const std::shared_ptr<connection> c = self->current_;
        if (!c || !c->live() || !c->authenticated || c->leaving || c->close_queued) {
            self->state_->call(
                [handler = std::move(handler)] { handler(master_errc::not_connected, {}); });
            return;
        }
        const std::uint64_t id = self->next_request_++;
        auto timer = std::make_shared<net::steady_timer>(self->strand_);
        timer->expires_after(self->state_->config().request_timeout);
        timer->async_wait([self, weak = std::weak_ptr<connection>(c), id](error_code ec) {
            const auto conn = weak.lock();
            if (ec || !conn) {
                return;
            }
            auto it = conn->requests.find(id);
            if (it == conn->requests.end()) {
                return;
            }
            self->log(log_level::warning, "no answer to discover within request_timeout");
            self->state_->call([handler = std::move(it->second.handler)] {
                handler(master_errc::request_timeout, {});
            });
            conn->requests.erase(it);
        });
        c->requests.emplace(id, connection::request{std::move(handler), std::move(timer)});
        self->send(c, proto::discover{std::move(query), id});
    });
}

void center_link::on_discover_result(connection& c, proto::discover_result& m) {
    if (!m.id.is_uint64() && !m.id.is_int64()) {
        return;  // not one of ours: this SDK always sends a numeric id
    }
    const auto id = m.id.to_number<std::uint64_t>();
    auto it = c.requests.find(id);
    if (it == c.requests.end()) {
        return;  // answered after its timeout
    }
    it->second.timer->cancel();
    error_code ec;
    if (!m.code.empty()) {
        log(log_level::warning,
            "discover \"" + m.service + "\" refused (" + m.code + "): " + m.message);
        ec = master_errc::query_refused;
    }
    state_->call([handler = std::move(it->second.handler), ec,
                  found = std::move(m.instances)]() mutable { handler(ec, std::move(found)); });
    c.requests.erase(it);
}

void center_link::fail_requests(connection& c, error_code ec) {
    for (auto& [id, r] : c.requests) {
        r.timer->cancel();
        state_->call([handler = std::move(r.handler), ec] { handler(ec, {}); });
    }
    c.requests.clear();
}

void center_link::on_service_update(const proto::service_update& m) {
    if (m.change == proto::update_change::refused) {
        const std::string what =
            "subscription to \"" + m.service + "\" refused (" + m.code + "): " + m.message;
        log(log_level::warning, what);
        state_->report_error(master_errc::query_refused, key_ + ": " + what);
    }
    state_->report_peers(state_->subscriptions().apply(key_, m));
}

void center_link::on_center_list(const proto::center_list& m) {
    if (!state_->config().follow_centers) {
        log(log_level::debug, "the center names " + std::to_string(m.centers.size()) +
                                  " other centers; not following (follow_centers off)");
        return;
    }
    state_->follow(m.centers);
}

void center_link::on_registered(const proto::registered& m) {
    for (const proto::service_result& r : m.results) {
        if (r.ok) {
            log(log_level::debug, "service \"" + r.name + "\" registered");
            continue;
        }
        const std::string what =
            "service \"" + r.name + "\" refused (" + r.code + "): " + r.message;
        log(log_level::warning, what);
        state_->report_error(master_errc::service_refused, key_ + ": " + what);
    }
}

net::awaitable<void> center_link::run() {
    while (!stopping_) {
        const attempt_result result = co_await attempt();
        if (stopping_) {
            break;
        }
        const retry_settings retry = state_->retry();
        if (result.final) {
            log(log_level::notice, "the center asked not to reconnect");
            break;
        }
        if (result.authenticated) {
            if (!state_->config().reconnect_on_close) {
                log(log_level::notice, "session ended; not reconnecting (reconnect_on_close off)");
                break;
            }
        } else if (++failures_ >= std::max<std::size_t>(retry.attempts, 1)) {
            log(log_level::error,
                "giving up after " + std::to_string(failures_) + " consecutive failed attempts");
            state_->report_error(master_errc::retries_exhausted, key_);
            break;
        }

        backoff_.set_base(retry.delay);
        // A rejected token won't turn valid within milliseconds, and full jitter may draw ~0.
        const auto floor = result.rejected ? retry.delay / 2 : backoff::duration::zero();
        // A center that shuts down spreads its masters' returns over its reconnect window: its
        // delay replaces our own draw, so a restart doesn't bring the fleet back at once.
        const auto delay = result.reconnect_after ? *result.reconnect_after : backoff_.next(floor);
        std::string line = "reconnecting in ";
        line += std::to_string(delay.count());
        line += result.reconnect_after ? " ms, as the center asked" : " ms";
        log(log_level::info, line);
        retry_timer_.expires_after(delay);
        co_await retry_timer_.async_wait(use_tuple);  // cancelled by close()
    }
}

net::awaitable<center_link::attempt_result> center_link::attempt() {
    attempt_result result;
    auto c = std::make_shared<connection>(strand_);
    current_ = c;
    if (error_code ec = co_await open(c)) {
        c->ended = true;
        current_.reset();
        co_return result;
    }

    c->open = true;
    state_->set_status(key_, center_status{key_, false, {}});
    log(log_level::info, "connected");
    state_->report_connect(key_);

    c->stream_port = std::make_unique<port>(*this, c);
    c->streams = std::make_shared<stream_mux>(strand_, state_, key_, *c->stream_port);

    const master_config& config = state_->config();
    // Always present, an empty list too: it tells the center this master speaks streams.
    c->advertised = state_->actions().snapshot();
    proto::auth auth{config.token, state_->name(), config.labels, c->advertised};
    auth.wants_centers = config.follow_centers;
    auth.wants_going_away = true;
    auth.wants_inline_input = true;  // stream_mux::open takes input and end in stream-open
    // The services go with auth, up to max_services_bytes; on_auth_success registers the rest
    // (and whatever changed meanwhile) with "register".
    std::size_t services_bytes = 0;
    for (const proto::service_info& s : state_->services().snapshot()) {
        boost::json::object entry = proto::to_json(s);
        services_bytes += boost::json::serialize(entry).size();
        if (services_bytes > max_services_bytes) {
            break;
        }
        auth.services.emplace_back(std::move(entry));
        c->services.emplace(s.name, s);
    }
    send(c, auth);
    arm_deadline(c, config.auth_timeout, master_errc::auth_timeout);
    c->last_rx = clock::now();

    error_code ec;
    for (;;) {
        auto [read_ec, bytes] = co_await c->ws.async_read(c->buffer, use_tuple);
        if (read_ec) {
            ec = read_ec;
            break;
        }
        c->last_rx = clock::now();
        const std::string_view frame(static_cast<const char*>(c->buffer.data().data()),
                                     c->buffer.size());
        if (!c->ws.got_text()) {
            // Delivered straight from the read buffer: the payload is not copied.
            const auto data = proto::decode_data_frame(frame);
            if (data && c->authenticated) {
                c->streams->on_data(*data);
            } else {
                fail(master_errc::protocol_error,
                     data ? "data frame before auth-success" : "binary frame");
            }
            c->buffer.consume(c->buffer.size());
            continue;
        }
        proto::decode_result decoded = proto::decode(frame);
        c->buffer.consume(c->buffer.size());
        if (!decoded) {
            fail(master_errc::protocol_error, decoded.error().what);
            continue;
        }
        handle(c, decoded.value(), result);
    }

    c->ended = true;
    ++c->deadline_generation;
    c->deadline.cancel();
    c->watchdog.cancel();
    beast::get_lowest_layer(c->ws).close();
    current_.reset();
    result.authenticated = c->authenticated;
    state_->set_status(key_, std::nullopt);

    if (ec == websocket::error::closed && !c->failure) {
        const std::uint16_t code = c->ws.reason().code;
        // 1008 ends an auth that timed out or failed too often: back off like for auth-failed.
        result.rejected = result.rejected || code == proto::close_code::policy_violation;
        // The protocol asks SDKs not to come back on their own after a kick or a 1000 they
        // didn't ask for (section 7.1); the application may connect() again deliberately.
        result.final = code == proto::close_code::kicked ||
                       (code == proto::close_code::normal && !c->leaving && !c->close_queued);
    }
    const std::string reason = end_reason(*c, ec);
    c->streams->shutdown(reason);
    fail_requests(*c, master_errc::not_connected);
    state_->report_peers(state_->subscriptions().center_lost(key_));
    log(stopping_ && !c->failure ? log_level::info : log_level::notice,
        "connection closed: " + reason);
    state_->report_close(key_, reason);
    co_return result;
}

net::awaitable<error_code> center_link::open(const std::shared_ptr<connection>& c) {
    const master_config& config = state_->config();
    const auto deadline = clock::now() + config.connect_timeout;
    arm_deadline(c, config.connect_timeout, master_errc::connect_timeout);

    // Reports a failed step unless the deadline already did or close() asked for it.
    auto failed = [&](error_code ec, std::string_view step) -> error_code {
        ++c->deadline_generation;
        c->deadline.cancel();
        if (c->failure) {
            return c->failure;
        }
        if (!ec) {
            ec = net::error::operation_aborted;
        }
        if (!stopping_) {
            fail(ec, step);
        }
        return ec;
    };

    log(log_level::debug, "connecting");
    auto [resolve_ec, endpoints] =
        co_await resolver_.async_resolve(address_.host, std::to_string(address_.port), use_tuple);
    if (resolve_ec || !c->live()) {
        co_return failed(resolve_ec, "resolve");
    }

    auto [connect_ec, endpoint] =
        co_await beast::get_lowest_layer(c->ws).async_connect(endpoints, use_tuple);
    if (connect_ec || !c->live()) {
        co_return failed(connect_ec, "connect");
    }

    // Frames are small and answered one by one; Nagle plus delayed ACKs would add ~40 ms each.
    error_code ignored;
    beast::get_lowest_layer(c->ws).socket().set_option(tcp::no_delay(true), ignored);

    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout =
        std::max<clock::duration>(deadline - clock::now(), std::chrono::milliseconds(1));
    // Liveness is judged by our own watchdog against the center's announced heartbeat.
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    c->ws.set_option(timeouts);
    c->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
        request.set(http::field::user_agent, user_agent);
    }));
    websocket::permessage_deflate deflate;
    deflate.client_enable = false;
    deflate.server_enable = false;
    c->ws.set_option(deflate);
    c->ws.read_message_max(config.max_message);
    write_whole_frames(c->ws, beast::role_type::client);
    c->ws.text(true);
    // Pings and other control frames prove the center alive just as well as messages do.
    c->ws.control_callback(
        [raw = c.get()](websocket::frame_type, std::string_view) { raw->last_rx = clock::now(); });

    auto [handshake_ec] = co_await c->ws.async_handshake(key_, proto::master_path, use_tuple);
    if (handshake_ec || !c->live()) {
        if (handshake_ec == beast::error::timeout) {
            handshake_ec = master_errc::connect_timeout;
        }
        co_return failed(handshake_ec, "WebSocket handshake");
    }
    ++c->deadline_generation;
    c->deadline.cancel();

    // From now on handshake_timeout bounds the close handshake.
    timeouts.handshake_timeout = config.close_timeout;
    c->ws.set_option(timeouts);
    co_return error_code{};
}

void center_link::handle(const std::shared_ptr<connection>& c, proto::message& m,
                         attempt_result& result) {
    if (const auto* success = std::get_if<proto::auth_success>(&m)) {
        if (c->authenticated || c->close_queued || c->leaving) {
            log(log_level::debug, "ignoring auth-success outside the auth exchange");
            return;
        }
        on_auth_success(c, *success);
        result.authenticated = true;
    } else if (const auto* failed = std::get_if<proto::auth_failed>(&m)) {
        result.rejected = true;
        if (c->close_queued || c->leaving) {
            return;
        }
        log(log_level::warning, "authentication failed; center says \"" + failed->message + "\"");
        state_->report_error(master_errc::auth_failed, key_);
        c->failure = master_errc::auth_failed;
        // Close rather than retry on this connection: the center closes it with 1008 after a few
        // failures anyway, and the retry belongs to the backoff.
        send_close(c);
        arm_deadline(c, state_->config().close_timeout, {});
    } else if (std::holds_alternative<proto::ping>(m)) {
        send(c, proto::pong{});
    } else if (std::holds_alternative<proto::pong>(m)) {
        // Nothing to do: last_rx is already updated.
    } else if (const auto* e = std::get_if<proto::error>(&m)) {
        log(log_level::warning, "center error \"" + e->code + "\": \"" + e->message + "\"");
        state_->report_error(master_errc::center_error, e->message);
    } else if (std::holds_alternative<proto::stream_open>(m) ||
               std::holds_alternative<proto::stream_credit>(m) ||
               std::holds_alternative<proto::stream_end>(m) ||
               std::holds_alternative<proto::stream_error>(m) ||
               std::holds_alternative<proto::stream_close>(m)) {
        if (!c->authenticated) {
            fail(master_errc::protocol_error,
                 "\"" + std::string(proto::command_name(m)) + "\" before auth-success");
            return;
        }
        c->streams->on_message(m);
    } else if (std::holds_alternative<proto::registered>(m) ||
               std::holds_alternative<proto::removed>(m)) {
        if (!c->authenticated) {
            fail(master_errc::protocol_error,
                 "\"" + std::string(proto::command_name(m)) + "\" before auth-success");
            return;
        }
        if (const auto* r = std::get_if<proto::registered>(&m)) {
            on_registered(*r);
        } else {
            log(log_level::debug, "removed " +
                                      std::to_string(std::get<proto::removed>(m).services.size()) +
                                      " services");
        }
    } else if (const auto* g = std::get_if<proto::going_away>(&m)) {
        result.reconnect_after = std::chrono::milliseconds(
            static_cast<std::int64_t>(std::min(g->reconnect_after, 86400.0) * 1000));
        log(log_level::info, "the center is shutting down; it asks to come back in " +
                                 std::to_string(result.reconnect_after->count()) + " ms");
    } else if (std::holds_alternative<proto::discover_result>(m) ||
               std::holds_alternative<proto::service_update>(m) ||
               std::holds_alternative<proto::center_list>(m)) {
        if (!c->authenticated) {
            fail(master_errc::protocol_error,
                 "\"" + std::string(proto::command_name(m)) + "\" before auth-success");
            return;
        }
        if (auto* r = std::get_if<proto::discover_result>(&m)) {
            on_discover_result(*c, *r);
        } else if (const auto* u = std::get_if<proto::service_update>(&m)) {
            on_service_update(*u);
        } else {
            on_center_list(std::get<proto::center_list>(m));
        }
    } else if (auto* u = std::get_if<proto::unknown>(&m)) {
        log(log_level::debug, "command \"" + u->cmd + "\"");
        state_->report_command(std::move(u->cmd), std::move(u->body));
    } else {
        fail(master_errc::protocol_error,
             "unexpected \"" + std::string(proto::command_name(m)) + "\" from the center");
    }
}

void center_link::on_auth_success(const std::shared_ptr<connection>& c,
                                  const proto::auth_success& m) {
    c->authenticated = true;
    ++c->deadline_generation;
    c->deadline.cancel();
    backoff_.reset();
    failures_ = 0;
    state_->set_status(key_, center_status{key_, true, m.session});
    log(log_level::info, "authenticated, heartbeat " + format_seconds(m.heartbeat));
    log(log_level::debug, "session " + m.session);
    state_->report_authenticated(key_, m.session);
    advertise(c);           // actions changed while the auth was under way
    sync_services(c);       // services too, and those that didn't fit in auth
    sync_subscriptions(c);  // subscriptions are per session: all of them, again

    const double limit = m.heartbeat * state_->config().dead_after_heartbeats;
    if (limit > 0 && std::isfinite(limit)) {
        // Capped so that a silly heartbeat can't overflow the clock's representation.
        const auto seconds = [](double s) {
            return std::chrono::duration_cast<clock::duration>(
                std::chrono::duration<double>(std::min(s, 1e7)));
        };
        c->heartbeat = seconds(m.heartbeat);
        c->dead_after = seconds(limit);
        arm_watchdog(c);
    }
}

void center_link::send(const std::shared_ptr<connection>& c, const proto::message& m) {
    if (!c->live() || c->close_queued) {
        return;
    }
    c->outbox.push_back({connection::outgoing::kind::text, proto::encode(m), {}});
    if (!c->writing) {
        write_next(c);
    }
}

void center_link::send_data(const std::shared_ptr<connection>& c, outgoing_data frame) {
    if (!c->live() || c->close_queued) {
        return;
    }
    c->queued_data += frame.size;
    c->outbox.push_back({connection::outgoing::kind::data, {}, std::move(frame)});
    if (!c->writing) {
        write_next(c);
    }
}

void center_link::send_close(const std::shared_ptr<connection>& c) {
    if (!c->live() || c->close_queued) {
        return;
    }
    c->close_queued = true;
    c->outbox.push_back({connection::outgoing::kind::close, {}, {}});
    if (!c->writing) {
        write_next(c);
    }
}

void center_link::send_ping(const std::shared_ptr<connection>& c) {
    if (!c->live() || c->close_queued) {
        return;
    }
    c->outbox.push_back({connection::outgoing::kind::ping, {}, {}});
    if (!c->writing) {
        write_next(c);
    }
}

void center_link::write_next(const std::shared_ptr<connection>& c) {
    if (c->outbox.empty() || !c->live()) {
        c->writing = false;
        c->outbox.clear();
        c->queued_data = 0;
        return;
    }
    c->writing = true;
    auto done = [self = shared_from_this(), c](error_code ec, std::size_t = 0) {
        const bool data = c->outbox.front().what == connection::outgoing::kind::data;
        if (data) {
            c->queued_data -= c->outbox.front().data.size;
        }
        c->outbox.pop_front();
        if (ec && !c->outbox.empty()) {
            c->outbox.clear();
            c->queued_data = 0;
        }
        if (ec && ec != websocket::error::closed && ec != net::error::operation_aborted &&
            c->live()) {
            self->log(log_level::debug, "write failed: " + ec.message());
            // The read loop may not notice a broken socket until the watchdog fires.
            self->abort(*c, {});
        }
        if (data && !ec && c->streams) {
            c->streams->pump();  // queues behind the write started below
        }
        self->write_next(c);
    };
    const connection::outgoing& next = c->outbox.front();
    switch (next.what) {
        case connection::outgoing::kind::text:
            c->ws.text(true);
            c->ws.async_write(net::buffer(next.text), std::move(done));
            break;
        case connection::outgoing::kind::data:
            c->ws.binary(true);
            c->ws.async_write(next.data.buffers(), std::move(done));
            break;
        case connection::outgoing::kind::ping:
            c->ws.async_ping({}, [done = std::move(done)](error_code ec) mutable { done(ec); });
            break;
        case connection::outgoing::kind::close:
            c->ws.async_close(websocket::close_code::normal,
                              [done = std::move(done)](error_code ec) mutable { done(ec); });
            break;
    }
}

void center_link::arm_deadline(const std::shared_ptr<connection>& c,
                               std::chrono::milliseconds after, error_code reason) {
    // The generation tells a stale expiry (already queued when re-armed) from the current one.
    const std::uint64_t generation = ++c->deadline_generation;
    c->deadline.expires_after(after);
    c->deadline.async_wait([self = shared_from_this(), c, reason, generation](error_code ec) {
        if (ec || !c->live() || generation != c->deadline_generation) {
            return;
        }
        if (reason) {
            self->fail(reason);
        } else {
            self->log(log_level::notice, "the center did not close in time; closing the socket");
        }
        self->abort(*c, reason);
    });
}

void center_link::arm_watchdog(const std::shared_ptr<connection>& c) {
    // Re-armed from the last arrival instead of on every frame, so reads cost no timer churn.
    const bool pinged = c->pinged_for == c->last_rx;
    const clock::duration wait =
        pinged || c->heartbeat >= c->dead_after ? c->dead_after : c->heartbeat;
    c->watchdog.expires_at(c->last_rx + wait);
    c->watchdog.async_wait([self = shared_from_this(), c](error_code ec) {
        if (ec || !c->live()) {
            return;
        }
        const clock::duration silent = clock::now() - c->last_rx;
        if (silent >= c->dead_after) {
            self->fail(master_errc::heartbeat_timeout);
            self->abort(*c, master_errc::heartbeat_timeout);
            return;
        }
        if (silent >= c->heartbeat && c->pinged_for != c->last_rx) {
            // The center pings only masters that are silent towards it, so a master that
            // talks could otherwise hear nothing from a healthy center (protocol section 6).
            c->pinged_for = c->last_rx;
            self->send_ping(c);
        }
        self->arm_watchdog(c);
    });
}

void center_link::abort(connection& c, error_code reason) {
    if (!c.live()) {
        return;
    }
    c.aborted = true;
    if (!c.failure) {
        c.failure = reason;
    }
    if (!c.open) {
        resolver_.cancel();
    }
    // Fails every pending operation, the read loop's included, which then ends the attempt.
    beast::get_lowest_layer(c.ws).close();
}

void center_link::on_close_request() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    retry_timer_.cancel();
    const std::shared_ptr<connection> c = current_;
    if (!c || !c->live()) {
        return;
    }
    if (!c->open) {
        abort(*c, {});
        return;
    }
    if (c->authenticated) {
        log(log_level::info, "leaving");
        c->leaving = true;
        send(c, proto::leave{});
    } else {
        send_close(c);
    }
    arm_deadline(c, state_->config().close_timeout, {});
}

void center_link::fail(error_code ec, std::string_view detail) {
    const std::string where = detail.empty() ? std::string() : std::string(detail) + ": ";
    log(log_level::warning, where + ec.message());
    state_->report_error(ec, detail.empty() ? key_ : key_ + ": " + std::string(detail));
}

std::string center_link::end_reason(const connection& c, error_code ec) const {
    if (c.failure) {
        return c.failure.message();
    }
    if (ec == websocket::error::closed) {
        const std::uint16_t code = c.ws.reason().code;
        if (code == proto::close_code::normal && c.leaving) {
            return "left";
        }
        if (code == proto::close_code::normal && c.close_queued) {
            return "closed by the master";
        }
        return describe_close_code(code);
    }
    if (c.aborted && c.leaving) {
        return "leave not confirmed within close_timeout";
    }
    // A close we started ends the pending read with operation_aborted, not with closed.
    if (c.close_queued || (c.aborted && stopping_)) {
        return "closed by the master";
    }
    return ec.message();
}

void center_link::log(log_level level, const std::string& text) const {
    if (state_->logs(level)) {
        state_->log(level, "center " + key_ + ": " + text);
    }
}

}  // namespace regcenter::detail
