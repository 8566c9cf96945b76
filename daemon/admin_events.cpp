// GET /v1/events. A watcher's handlers all run on its admin connection's strand; the event
// log's publishers, which call the watcher's listener under the log's lock from any thread,
// only append to the watcher's bounded inbox and post one wake-up.
#include "admin_events.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <deque>
#include <mutex>

#include <boost/json.hpp>

#include "admin_routes.hpp"
#include "center_state.hpp"
#include "event_log.hpp"
#include "logging.hpp"
#include "operator_websocket.hpp"
#include "regcenter/common/address.hpp"
#include "regcenter/common/units.hpp"
#include "regcenter/proto/protocol.hpp"
#include "regcenter/proto/service.hpp"

namespace regcenter {
namespace json = boost::json;
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::string_view events_path = "/v1/events";

// Close codes (docs/events.md): 4000 + the HTTP status that means the same.
constexpr std::uint16_t close_lagged = proto::events_close_code::lagged;
constexpr std::uint16_t close_too_old = proto::events_close_code::too_old;

// A watcher whose socket took nothing of a message for this long is cut: with events coming it
// would be cut as lagged anyway, and without any, it would hold its socket forever.
constexpr auto write_stall_limit = 60s;
// Time a watcher gets to take its last message and close once the center ended it (lagged, too
// old), and at shutdown, when center::stop() is waiting.
constexpr auto end_grace = 10s;
constexpr auto shutdown_grace = 1s;
// Watchers have nothing to say; what they send anyway is read (so that pings and closes are
// seen) and dropped, one small message at a time.
constexpr std::size_t max_incoming_message = 4096;

struct watch_request {
    event_filter filter;
    std::optional<std::uint64_t> since;
};

enum class ending { none, too_old, lagged, shutdown };

const char* to_string(ending e) {
    switch (e) {
        case ending::too_old:
            return "too-old";
        case ending::lagged:
            return "lagged";
        case ending::shutdown:
            return "shutdown";
        case ending::none:
            break;
    }
    return "closed";
}

// One message for the watcher: an event (its text is shared with every other watcher and the
// history) or a control message of the endpoint's own.
struct outgoing {
    enum class kind { event, control, comment };
    kind what = kind::event;
    event_ptr event;
    std::string cmd;                  // a control message's "cmd", also its SSE event name
    std::string text;                 // a control message's JSON
    std::optional<std::uint64_t> id;  // SSE id of a control message: where a resume continues
};

outgoing control(std::string cmd, json::object body, std::optional<std::uint64_t> id) {
    json::object whole{{"cmd", cmd}};
    for (auto& [k, v] : body) {
        whole[k] = std::move(v);
    }
    outgoing m;
    m.what = outgoing::kind::control;
    m.cmd = std::move(cmd);
    m.text = json::serialize(whole);
    m.id = id;
    return m;
}

std::string size_text(std::size_t bytes) {
    constexpr std::size_t mib = 1024 * 1024;
    std::string out = std::to_string(bytes % mib == 0 ? bytes / mib : bytes);
    out += bytes % mib == 0 ? " MiB" : " bytes";
    return out;
}

// Between the event log's publishers and the watcher's strand. The log's listener holds this,
// never the watcher, so a publisher can't end up destroying a watcher under the log's lock.
struct inbox {
    std::mutex mutex;
    std::deque<event_ptr> events;
    std::size_t bytes = 0;
    bool lagged = false;        // a bound was hit: the queue was dropped and takes nothing more
    std::string bound;          // which one, for the lagged message
    bool wake_pending = false;  // at most one wake-up is posted at a time
};

// One watcher, whatever its transport. The order of what it writes: "watching", the backlog
// after ?since=, then live events; or a final control message (too-old, lagged) and the close.
class event_watcher : public std::enable_shared_from_this<event_watcher> {
  public:
    event_watcher(const event_watcher&) = delete;
    event_watcher& operator=(const event_watcher&) = delete;

    virtual ~event_watcher() {
        unsubscribe();  // every end goes through gone(), which did it; this is a safety net
        if (tracked_) {
            state_.watcher_ended(*tracked_);
        }
    }

  protected:
    event_watcher(center_state& state, watch_request request, net::any_io_executor executor,
                  std::string remote, const char* transport)
        : state_(state),
          request_(std::move(request)),
          executor_(executor),
          tick_(executor),
          end_timer_(executor),
          remote_(std::move(remote)),
          transport_(transport) {}

    /// Registers with the center, so that stop() closes this watcher. Called by the transport
    /// before it answers the request.
    void track() {
        const std::weak_ptr<event_watcher> weak = weak_from_this();
        tracked_ = state_.watcher_started([weak, executor = executor_] {
            net::post(executor, [weak] {
                if (auto self = weak.lock()) {
                    self->shutdown();
                }
            });
        });
        shutdown_requested_ = !tracked_;  // the center is already stopping
    }

    /// The transport's channel is open (WebSocket accepted, SSE header written): subscribe and
    /// start writing.
    void begin() {
        started_ = true;
        last_write_ = steady::now();
        schedule_tick();
        if (shutdown_requested_) {
            return end_with(ending::shutdown);
        }
        const auto start = state_.events().watch(request_.since, request_.filter, make_listener());
        if (start.too_old) {
            return end_with(ending::too_old, too_old_message(start));
        }
        subscriber_ = start.subscriber;
        position_ = request_.since.value_or(start.last_index);
        json::value since = nullptr;
        if (request_.since) {
            since = *request_.since;
        }
        queue_.push_back(control("watching",
                                 {{"since", since},
                                  {"last_index", start.last_index},
                                  {"first_index", start.first_index},
                                  {"run", state_.events().run()}},
                                 position_));
        backlog_ = std::move(start.backlog);
        logging::info("event watcher started", {{"REMOTE_ADDR", remote_},
                                                {"TRANSPORT", transport_},
                                                {"SINCE", std::to_string(position_)},
                                                {"BACKLOG", std::to_string(backlog_.size())},
                                                {"EVENT", "watch-started"}});
        pump();
    }

    /// The transport finished writing the current message.
    void written(beast::error_code ec) {
        writing_ = false;
        current_ = {};
        if (ec) {
            return gone();
        }
        last_write_ = steady::now();
        pump();
    }

    /// The connection is over (the peer left, a write failed, the close completed): release
    /// everything and stop every timer, so the last handler holding this watcher lets it go.
    void gone() {
        if (gone_) {
            return;
        }
        gone_ = true;
        unsubscribe();
        queue_.clear();
        backlog_.clear();
        {
            std::lock_guard lock(inbox_->mutex);
            inbox_->events.clear();
            inbox_->bytes = 0;
        }
        tick_.cancel();
        end_timer_.cancel();
        cut();
        logging::info("event watcher ended", {{"REMOTE_ADDR", remote_},
                                              {"TRANSPORT", transport_},
                                              {"LAST_INDEX", std::to_string(position_)},
                                              {"REASON", to_string(ending_)},
                                              {"EVENT", "watch-ended"}});
    }

    /// Writes one message; the transport calls written() when it is done.
    virtual void write(const outgoing& message) = 0;
    /// Everything was written: close the way the transport does (WebSocket close code, end of
    /// the SSE response); gone() follows when the connection is over.
    virtual void finish(ending why, std::uint64_t position) = 0;
    /// Closes the socket at once; pending operations fail and lead to gone().
    virtual void cut() = 0;
    /// SSE sends a comment when idle; a WebSocket has its pings.
    virtual bool wants_keep_alive() const = 0;

    center_state& state_;

  private:
    event_log::listener make_listener() {
        const std::size_t max_events =
            std::max<std::size_t>(1, state_.options().event_watcher_queue);
        const std::size_t max_bytes = state_.options().event_watcher_queue_bytes;
        // Runs under the event log's lock: only a filter check, an append and maybe one post.
        return [box = inbox_, weak = weak_from_this(), executor = executor_,
                filter = request_.filter, max_events, max_bytes](const event_ptr& e) {
            if (!filter.matches(*e)) {
                return;
            }
            std::lock_guard lock(box->mutex);
            if (box->lagged) {
                return;
            }
            if (box->events.size() >= max_events) {
                box->bound = std::to_string(max_events);
                box->bound += " events";
            } else if (!box->events.empty() && box->bytes + e->json().size() > max_bytes) {
                box->bound = size_text(max_bytes) + " of events";
            } else {
                box->bytes += e->json().size();
                box->events.push_back(e);
            }
            if (!box->bound.empty()) {
                box->lagged = true;
                box->events.clear();  // released now, not when the watcher gets to it
                box->bytes = 0;
            }
            if (!box->wake_pending) {
                box->wake_pending = true;
                net::post(executor, [weak] {
                    if (auto self = weak.lock()) {
                        self->on_wake();
                    }
                });
            }
        };
    }

    void on_wake() {
        bool lagged = false;
        {
            std::lock_guard lock(inbox_->mutex);
            inbox_->wake_pending = false;
            lagged = inbox_->lagged;
        }
        if (lagged) {
            return end_with(ending::lagged);
        }
        pump();
    }

    void shutdown() {
        if (!started_) {
            shutdown_requested_ = true;  // begin() ends it
            return;
        }
        end_with(ending::shutdown);
    }

    // Starts the end: nothing more is subscribed; a lagged watcher's queue is dropped, while
    // at shutdown what is queued still goes out (the last masters' disconnects), within a
    // deadline either way.
    void end_with(ending why, std::optional<outgoing> last = std::nullopt) {
        if (ending_ != ending::none || gone_) {
            return;
        }
        ending_ = why;
        unsubscribe();
        if (why == ending::lagged) {
            queue_.clear();
            backlog_.clear();
            std::string bound;
            {
                std::lock_guard lock(inbox_->mutex);
                inbox_->events.clear();
                inbox_->bytes = 0;
                bound = inbox_->bound;
            }
            const std::string index = std::to_string(position_);
            std::string message = "this watcher fell more than ";
            message += bound;
            message += " behind and was cut: reconnect with since=";
            message += index;
            message += " to resync";
            last = control("lagged", {{"last_index", position_}, {"message", message}}, position_);
            logging::warning("event watcher cut: it fell behind", {{"REMOTE_ADDR", remote_},
                                                                   {"TRANSPORT", transport_},
                                                                   {"LAST_INDEX", index},
                                                                   {"BOUND", bound},
                                                                   {"EVENT", "watch-lagged"}});
        }
        if (last) {
            queue_.push_back(std::move(*last));
        }
        end_timer_.expires_after(why == ending::shutdown ? shutdown_grace : end_grace);
        end_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec && !self->gone_) {
                self->cut();  // it did not take its last message and close in time
            }
        });
        pump();
    }

    outgoing too_old_message(const event_log::watch_start& start) {
        const std::uint64_t since = request_.since.value_or(0);
        std::string message;
        if (since > start.last_index) {
            message = "event " + std::to_string(since);
            message += " is beyond this center's newest event ";
            message += std::to_string(start.last_index);
            message += " (a restarted center counts from 1 again)";
        } else {
            message = "events after " + std::to_string(since);
            message += " have left the history (the oldest kept is ";
            message += std::to_string(start.first_index);
            message += ")";
        }
        message += ": re-list (GET /v1/services, GET /v1/masters), then watch again with since=";
        message += std::to_string(start.last_index);
        logging::info("event watcher refused: since is not in the history",
                      {{"REMOTE_ADDR", remote_},
                       {"SINCE", std::to_string(since)},
                       {"FIRST_INDEX", std::to_string(start.first_index)},
                       {"LAST_INDEX", std::to_string(start.last_index)},
                       {"EVENT", "watch-too-old"}});
        return control("too-old",
                       {{"since", since},
                        {"first_index", start.first_index},
                        {"last_index", start.last_index},
                        {"message", message}},
                       std::nullopt);
    }

    // Writes the next message if none is being written: control messages first, then the
    // backlog, then live events; when nothing is left of an ending watcher, it finishes.
    void pump() {
        if (!started_ || writing_ || gone_ || finishing_) {
            return;
        }
        if (!queue_.empty()) {
            current_ = std::move(queue_.front());
            queue_.pop_front();
        } else if (backlog_next_ < backlog_.size()) {
            current_.event = std::move(backlog_[backlog_next_++]);  // released once written
            if (backlog_next_ == backlog_.size()) {
                backlog_.clear();
                backlog_next_ = 0;
            }
        } else {
            bool lagged = false;
            {
                std::lock_guard lock(inbox_->mutex);
                lagged = inbox_->lagged;
                if (!lagged && !inbox_->events.empty()) {
                    current_.event = std::move(inbox_->events.front());
                    inbox_->events.pop_front();
                    inbox_->bytes -= current_.event->json().size();
                }
            }
            if (lagged && ending_ == ending::none) {
                return end_with(ending::lagged);
            }
            if (!current_.event) {
                if (ending_ != ending::none) {
                    finishing_ = true;
                    finish(ending_, position_);
                }
                return;
            }
        }
        if (current_.what == outgoing::kind::event) {
            position_ = current_.event->index;
        }
        writing_ = true;
        write_started_ = steady::now();
        write(current_);
    }

    void unsubscribe() {
        if (subscriber_ != 0) {
            state_.events().unsubscribe(subscriber_);
            subscriber_ = 0;
        }
    }

    // One timer per watcher for both the SSE keep-alive and the stall check, re-armed lazily:
    // it fires keep_alive_ after the last write, not after every write.
    void schedule_tick() {
        const steady::time_point now = steady::now();
        steady::time_point next = last_write_ + keep_alive_;
        if (writing_ || next <= now) {
            next = now + keep_alive_;
        }
        tick_.expires_at(next);
        tick_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) {
                self->on_tick();
            }
        });
    }

    void on_tick() {
        if (gone_) {
            return;
        }
        const steady::time_point now = steady::now();
        if (writing_ && now - write_started_ >= write_stall_limit) {
            logging::warning(
                "event watcher cut: its connection took nothing for 60 s",
                {{"REMOTE_ADDR", remote_}, {"TRANSPORT", transport_}, {"EVENT", "watch-stalled"}});
            return cut();
        }
        if (!writing_ && ending_ == ending::none && wants_keep_alive() &&
            now - last_write_ >= keep_alive_) {
            outgoing comment;
            comment.what = outgoing::kind::comment;
            queue_.push_back(std::move(comment));
            pump();
        }
        schedule_tick();
    }

    const watch_request request_;
    const steady::duration keep_alive_ =
        std::chrono::duration_cast<steady::duration>(state_.options().event_keep_alive);
    const net::any_io_executor executor_;
    const std::shared_ptr<inbox> inbox_ = std::make_shared<inbox>();
    net::steady_timer tick_;
    net::steady_timer end_timer_;
    const std::string remote_;
    const char* const transport_;
    std::optional<std::uint64_t> tracked_;  // the center's id for this watcher
    std::uint64_t subscriber_ = 0;          // the event log's; 0 when not subscribed
    std::uint64_t position_ = 0;            // the last index delivered (or the starting point)
    std::deque<outgoing> queue_;            // control messages (at most a few)
    std::vector<event_ptr> backlog_;
    std::size_t backlog_next_ = 0;
    outgoing current_;  // being written
    steady::time_point last_write_ = steady::now();
    steady::time_point write_started_ = steady::now();
    ending ending_ = ending::none;
    bool started_ = false;
    bool shutdown_requested_ = false;
    bool writing_ = false;
    bool finishing_ = false;
    bool gone_ = false;
};

// Each event is one text message: exactly the event's JSON. Control messages are text too.
class ws_watcher final : public event_watcher {
  public:
    ws_watcher(beast::tcp_stream&& stream, center_state& state, watch_request request,
               std::string remote)
        : event_watcher(state, std::move(request), stream.get_executor(), std::move(remote),
                        "websocket"),
          ws_(std::move(stream)) {}

    /// On the connection's strand.
    void run(http_request request) {
        prepare_operator_websocket(ws_, max_incoming_message);
        track();
        ws_.async_accept(request, [self = shared_this()](beast::error_code ec) {
            if (ec) {
                return self->gone();
            }
            self->read_next();
            self->begin();
        });
    }

  private:
    std::shared_ptr<ws_watcher> shared_this() {
        return std::static_pointer_cast<ws_watcher>(shared_from_this());
    }

    // Always pending, so that pings, pongs and the watcher's close are handled.
    void read_next() {
        ws_.async_read(buffer_, [self = shared_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                return self->gone();
            }
            self->buffer_.consume(self->buffer_.size());
            self->read_next();
        });
    }

    void write(const outgoing& message) override {
        const std::string& text =
            message.what == outgoing::kind::event ? message.event->json() : message.text;
        ws_.text(true);
        ws_.async_write(
            net::buffer(text),
            [self = shared_this()](beast::error_code ec, std::size_t) { self->written(ec); });
    }

    void finish(ending why, std::uint64_t position) override {
        auto code = websocket::close_code::going_away;
        std::string text = "center shutting down";
        if (why == ending::lagged) {
            code = static_cast<websocket::close_code>(close_lagged);
            text = "lagged: reconnect with since=";
            text += std::to_string(position);
        } else if (why == ending::too_old) {
            code = static_cast<websocket::close_code>(close_too_old);
            text = "too-old: re-list, then watch again";
        }
        ws_.async_close(websocket::close_reason(code, text),
                        [self = shared_this()](beast::error_code) { self->gone(); });
    }

    void cut() override {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

    bool wants_keep_alive() const override { return false; }

    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;
};

// Server-Sent Events: an HTTP response that never ends on its own, chunked on HTTP/1.1.
class sse_watcher final : public event_watcher {
  public:
    sse_watcher(beast::tcp_stream&& stream, center_state& state, watch_request request,
                std::string remote, unsigned version)
        : event_watcher(state, std::move(request), stream.get_executor(), std::move(remote), "sse"),
          stream_(std::move(stream)),
          chunked_(version >= 11),
          header_(std::in_place, http::status::ok, version) {}

    /// On the connection's strand.
    void run() {
        stream_.expires_never();
        track();
        header_->set(http::field::server, "regcenterd/0.1");
        header_->set(http::field::content_type, "text/event-stream");
        header_->set(http::field::cache_control, "no-cache");
        header_->set("X-Accel-Buffering", "no");  // a proxy that buffers would hold events back
        header_->keep_alive(false);               // the response ends the connection
        header_->chunked(chunked_);
        serializer_.emplace(*header_);
        http::async_write_header(stream_, *serializer_,
                                 [self = shared_this()](beast::error_code ec, std::size_t) {
                                     self->serializer_.reset();
                                     self->header_.reset();
                                     if (ec) {
                                         return self->gone();
                                     }
                                     self->read_next();
                                     self->begin();
                                 });
    }

  private:
    std::shared_ptr<sse_watcher> shared_this() {
        return std::static_pointer_cast<sse_watcher>(shared_from_this());
    }

    // A client sends nothing after its request; reading notices when it leaves (EOF), also
    // after finish() when it answers the end of the response by closing.
    void read_next() {
        stream_.async_read_some(net::buffer(read_buffer_),
                                [self = shared_this()](beast::error_code ec, std::size_t) {
                                    if (ec) {
                                        return self->gone();
                                    }
                                    self->read_next();
                                });
    }

    void write(const outgoing& message) override {
        std::string_view body;
        head_.clear();
        switch (message.what) {
            case outgoing::kind::event:
                head_ += "id: ";
                head_ += std::to_string(message.event->index);
                head_ += "\nevent: ";
                head_ += message.event->type;
                head_ += "\ndata: ";
                body = message.event->json();
                break;
            case outgoing::kind::control:
                if (message.id) {
                    head_ += "id: ";
                    head_ += std::to_string(*message.id);
                    head_ += "\n";
                }
                head_ += "event: ";
                head_ += message.cmd;
                head_ += "\ndata: ";
                body = message.text;
                break;
            case outgoing::kind::comment:
                head_ = ": keep-alive";
                break;
        }
        static constexpr std::string_view end_of_message = "\n\n";
        static constexpr std::string_view end_of_chunk = "\n\n\r\n";
        chunk_size_.clear();
        if (chunked_) {
            std::array<char, 20> hex{};
            const std::size_t size = head_.size() + body.size() + end_of_message.size();
            const auto [end, ec] = std::to_chars(hex.data(), hex.data() + hex.size(), size, 16);
            chunk_size_.assign(hex.data(), end);
            chunk_size_ += "\r\n";
        }
        const std::array<net::const_buffer, 4> buffers = {
            net::buffer(chunk_size_), net::buffer(head_), net::buffer(body.data(), body.size()),
            net::buffer(chunked_ ? end_of_chunk : end_of_message)};
        net::async_write(
            stream_, buffers,
            [self = shared_this()](beast::error_code ec, std::size_t) { self->written(ec); });
    }

    void finish(ending, std::uint64_t) override {
        if (!chunked_) {
            return half_close();
        }
        static constexpr std::string_view last_chunk = "0\r\n\r\n";
        net::async_write(stream_, net::buffer(last_chunk),
                         [self = shared_this()](beast::error_code ec, std::size_t) {
                             if (ec) {
                                 return self->gone();
                             }
                             self->half_close();
                         });
    }

    // The response is complete; the client closes its side, which the read loop sees.
    void half_close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    void cut() override {
        beast::error_code ignored;
        stream_.socket().close(ignored);
    }

    bool wants_keep_alive() const override { return true; }

    beast::tcp_stream stream_;
    const bool chunked_;
    std::optional<http::response<http::empty_body>> header_;
    std::optional<http::response_serializer<http::empty_body>> serializer_;
    std::string chunk_size_;
    std::string head_;
    std::array<char, 512> read_buffer_{};
};

bool accepts_event_stream(const http_request& request) {
    std::string accept(request[http::field::accept]);
    std::transform(accept.begin(), accept.end(), accept.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return accept.find("text/event-stream") != std::string::npos;
}

std::string valid_types() {
    std::string out;
    for (const char* type : event_type::all) {
        out += out.empty() ? "" : ", ";
        out += type;
    }
    return out;
}

// ?since=N, ?type=a,b (repeatable), ?service=name (repeatable), and for SSE the Last-Event-ID
// header, which wins over ?since= because a browser's EventSource reconnects to the same URL.
std::optional<watch_request> parse_watch_request(const admin::route_context& ctx, bool sse,
                                                 http_response& error) {
    const auto bad = [&](std::string message) {
        error = ctx.fail(http::status::bad_request, "bad-request", message);
        return std::nullopt;
    };
    auto params = query_params(ctx.request.target());
    if (!params) {
        return bad("the query is not correctly URL-encoded");
    }
    watch_request out;
    for (auto& [key, value] : *params) {
        if (key == "since") {
            out.since = parse_whole_number(value);
            if (!out.since) {
                return bad("since must be an event index, a whole number (got \"" + value + "\")");
            }
        } else if (key == "type") {
            std::string_view rest = value;
            for (;;) {
                const std::string_view type = rest.substr(0, rest.find(','));
                if (std::find(event_type::all.begin(), event_type::all.end(), type) ==
                    event_type::all.end()) {
                    return bad("unknown event type \"" + std::string(type) + "\"; the types are " +
                               valid_types());
                }
                out.filter.types.emplace(type);
                if (type.size() == rest.size()) {
                    break;
                }
                rest.remove_prefix(type.size() + 1);
            }
        } else if (key == "service") {
            if (auto why = proto::check_service_name(value)) {
                return bad("service: " + *why);
            }
            out.filter.services.insert(std::move(value));
        } else {
            return bad("unknown query parameter \"" + key +
                       "\" (GET /v1/events takes since, type and service)");
        }
    }
    if (sse) {
        if (const auto header = ctx.request.find("Last-Event-ID"); header != ctx.request.end()) {
            out.since = parse_whole_number(header->value());
            if (!out.since) {
                return bad("Last-Event-ID must be an event index, a whole number (got \"" +
                           std::string(header->value()) + "\")");
            }
        }
    }
    return out;
}

}  // namespace

bool is_events_request(const http_request& request) {
    return target_path(request.target()) == events_path;
}

std::optional<http_response> start_event_watch(beast::tcp_stream& stream, center_state& state,
                                               http_request& request) {
    const admin::route_context ctx{state, request, target_path(request.target())};
    if (!admin::authorized(state, request)) {
        return admin::unauthorized(ctx);
    }
    if (request.method() != http::verb::get) {
        return ctx.method_not_allowed("GET");
    }
    const bool upgrade = websocket::is_upgrade(request);
    const bool sse = !upgrade && accepts_event_stream(request);
    if (!upgrade && !sse) {
        return ctx.fail(http::status::not_acceptable, "not-acceptable",
                        "GET /v1/events streams events: open it as a WebSocket (regcenterctl "
                        "watch does) or send \"Accept: text/event-stream\" for Server-Sent Events");
    }
    http_response error;
    auto watch = parse_watch_request(ctx, sse, error);
    if (!watch) {
        return error;
    }
    if (!state.accepting()) {
        return ctx.fail(http::status::service_unavailable, "center-shutdown",
                        "the center is shutting down");
    }
    beast::error_code ec;
    const tcp::endpoint peer = stream.socket().remote_endpoint(ec);
    std::string remote = ec ? std::string("unknown") : to_string(peer);
    if (upgrade) {
        std::make_shared<ws_watcher>(std::move(stream), state, std::move(*watch), std::move(remote))
            ->run(std::move(request));
    } else {
        std::make_shared<sse_watcher>(std::move(stream), state, std::move(*watch),
                                      std::move(remote), request.version())
            ->run();
    }
    return std::nullopt;
}

}  // namespace regcenter
