// watch: the center's events as they happen (docs/events.md), one line each, over the
// WebSocket of GET /v1/events.
//
// A watch never silently misses an event: after a dropped connection, a "lagged" cut or a
// center shutdown it reconnects with since=<the last index it saw>; when the center can't
// continue from there (too-old, or a restarted center, whose "run" differs) it says so on
// stderr and exits 1.
//
// Threads: the calling thread runs the io_context. SIGINT and SIGTERM are waited for on a
// second io_context and thread, which only posts the stop: connect_admin() runs the main
// io_context until nothing is pending, which a pending signal wait would never allow.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <functional>
#include <thread>

#include <boost/json.hpp>

#include "command.hpp"
#include "connect.hpp"
#include "display.hpp"
#include "event_line.hpp"
#include "json_fields.hpp"
#include "regcenter/common/units.hpp"
#include "regcenter/proto/protocol.hpp"
#include "url.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

using namespace std::chrono_literals;

constexpr auto connect_timeout = 10s;
constexpr std::chrono::milliseconds first_backoff{100};
constexpr std::chrono::milliseconds max_backoff{5000};
constexpr std::size_t max_message = 1024 * 1024;
// Close codes of GET /v1/events (docs/events.md).
constexpr std::uint16_t close_lagged = proto::events_close_code::lagged;
constexpr std::uint16_t close_too_old = proto::events_close_code::too_old;

std::string seconds_text(std::chrono::milliseconds d) {
    std::string out = std::to_string(d.count() / 1000);
    out += ".";
    out += std::to_string(d.count() % 1000 / 100);
    out += "s";
    return out;
}

// Waits for SIGINT and SIGTERM on its own thread while it exists.
class signal_waiter {
  public:
    explicit signal_waiter(std::function<void()> on_signal)
        : signals_(ioc_, SIGINT, SIGTERM), on_signal_(std::move(on_signal)) {
        signals_.async_wait([this](beast::error_code ec, int) {
            if (!ec) {
                on_signal_();
            }
        });
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~signal_waiter() {
        ioc_.stop();
        thread_.join();
    }
    signal_waiter(const signal_waiter&) = delete;
    signal_waiter& operator=(const signal_waiter&) = delete;

  private:
    net::io_context ioc_;
    net::signal_set signals_;
    std::function<void()> on_signal_;
    std::thread thread_;
};

class watch_session {
  public:
    watch_session(command_context& ctx, std::optional<std::uint64_t> since)
        : ctx_(ctx), settings_(ctx.settings()), position_(since), retry_timer_(ioc_) {}

    int run() {
        signal_waiter signals([this] { net::post(ioc_, [this] { interrupt(); }); });
        bool first = true;
        std::chrono::milliseconds backoff{0};
        for (;;) {
            if (backoff.count() > 0 && !pause(backoff)) {
                return exit_ok;  // interrupted while waiting
            }
            const auto problem = open(first);
            if (interrupted_) {
                return exit_ok;
            }
            if (problem) {
                backoff = std::clamp(backoff * 2, first_backoff, max_backoff);
                ctx_.err << "regcenterctl: " << *problem << " (retrying in "
                         << seconds_text(backoff) << ")\n";
                continue;
            }
            first = false;
            watching_ = false;
            over_ = false;
            end_ = end::reconnect;
            end_message_.clear();
            center_message_.clear();
            read_next();
            // Until this connection is over, not until nothing is pending: the WebSocket's
            // ping timer may still be.
            ioc_.restart();
            while (!over_ && ioc_.run_one() > 0) {
            }
            ws_.reset();
            if (interrupted_) {
                return exit_ok;
            }
            backoff = watching_ ? std::chrono::milliseconds(0)
                                : std::clamp(backoff * 2, first_backoff, max_backoff);
            switch (end_) {
                case end::interrupted:
                case end::stdout_closed:
                    return exit_ok;
                case end::failed:
                    ctx_.err << "regcenterctl: " << end_message_ << "\n";
                    return exit_failed;
                case end::reconnect:
                    ctx_.err << "regcenterctl: " << end_message_ << "; reconnecting"
                             << (position_ ? " with since=" + std::to_string(*position_) : "")
                             << "\n";
                    break;
            }
        }
    }

  private:
    enum class end { reconnect, failed, interrupted, stdout_closed };

    std::string target() const {
        std::string t = "/v1/events";
        const auto add = [&t](std::string_view key, const std::string& value) {
            t += t.find('?') == std::string::npos ? "?" : "&";
            t += key;
            t += "=";
            t += encode_query_value(value);
        };
        if (position_) {
            add("since", std::to_string(*position_));
        }
        for (const auto& type : ctx_.args.values("type")) {
            add("type", type);
        }
        for (const auto& service : ctx_.args.values("service")) {
            add("service", service);
        }
        return t;
    }

    // Connects and completes the handshake. Throws for what retrying can't fix (a rejected
    // token, a refused request) and for anything on the first attempt; returns the problem
    // when retrying may help (no connection).
    std::optional<std::string> open(bool first) {
        ws_.emplace(ioc_);
        try {
            connect_admin(ioc_, ws_->next_layer(), settings_, connect_timeout);
        } catch (const ctl_error& e) {
            if (first || interrupted_) {
                throw;
            }
            return std::string(e.what());
        }
        const std::string token = settings_.token;
        ws_->set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
            req.set(http::field::authorization, "Bearer " + token);
            req.set(http::field::user_agent, "regcenterctl");
        }));
        ws_->read_message_max(max_message);
        const std::string request = "GET " + target();
        websocket::response_type res;
        beast::error_code error;
        ws_->next_layer().expires_after(connect_timeout);
        ws_->async_handshake(res, settings_.address, target(),
                             [&](beast::error_code ec) { error = ec; });
        ioc_.restart();
        ioc_.run();
        if (interrupted_) {
            return std::nullopt;
        }
        if (error == websocket::error::upgrade_declined) {
            const unsigned status = res.result_int();
            if (status == 401) {
                throw token_rejected(settings_, api_error_message(res.body()));
            }
            if (status == 400) {  // since, type or service: all from the command line
                throw usage_error("regcenterd refused the watch: " + api_error_message(res.body()),
                                  "watch");
            }
            if (status == 503 && !first) {
                return "regcenterd is shutting down";
            }
            throw api_failure(settings_, request, status, res.body());
        }
        if (error) {
            std::string problem = "cannot open the watch at regcenterd " + settings_.address;
            problem += " (" + request + "): " + error.message();
            if (first) {
                throw ctl_error(exit_unreachable, problem);
            }
            return problem;
        }
        ws_->next_layer().expires_never();
        // The center answers pings while the watch is quiet; a center that stops answering
        // (a dead host, a cut network) is noticed within a minute and reconnected to.
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = 10s;
        timeouts.idle_timeout = 60s;
        timeouts.keep_alive_pings = true;
        ws_->set_option(timeouts);
        if (ctx_.verbose()) {
            ctx_.err << "regcenterctl: watching: " << request << "\n";
        }
        return std::nullopt;
    }

    void read_next() {
        ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) { on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            return on_closed(ec);
        }
        const std::string text = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        json::error_code jec;
        const json::value v = json::parse(text, jec);
        if (!jec && v.is_object() && v.get_object().contains("cmd")) {
            if (!on_control(v.get_object())) {
                return stop(end::failed);
            }
        } else if (!jec && v.is_object() && v.get_object().contains("type")) {
            if (!on_event(text, v.get_object())) {
                return;  // stopped
            }
        }
        read_next();
    }

    // False when the watch must end (end_message_ says why).
    bool on_control(const json::object& o) {
        const std::string cmd = string_field(o, "cmd");
        if (cmd == "watching") {
            const std::string run = string_field(o, "run");
            if (run_ && *run_ != run) {
                end_message_ = "regcenterd at " + settings_.address +
                               " restarted while this watch was away, and its event indexes "
                               "started again from 1: events may have been missed; re-list "
                               "(regcenterctl services, regcenterctl masters), then watch again";
                return false;
            }
            run_ = run;
            const json::value* since = o.if_contains("since");
            if (since == nullptr || since->is_null()) {
                position_ = static_cast<std::uint64_t>(int_field(o, "last_index"));
            }
            watching_ = true;
            if (ctx_.verbose()) {
                const auto first = int_field(o, "first_index");
                const auto last = int_field(o, "last_index");
                ctx_.err << "regcenterctl: watching from event " << *position_ << "; the center ";
                if (last < first) {
                    ctx_.err << "holds no events yet\n";
                } else {
                    ctx_.err << "holds events " << first << " to " << last << "\n";
                }
            }
        } else if (cmd == "too-old" || cmd == "lagged") {
            center_message_ = printable(string_field(o, "message"));
        }
        return true;  // others are ignored, so a newer center may add some
    }

    // False when stdout is gone (and the watch stopped).
    bool on_event(const std::string& text, const json::object& o) {
        if (ctx_.args.has("json")) {
            ctx_.out << text << "\n";
        } else {
            ctx_.out << event_line(o) << "\n";
        }
        ctx_.out.flush();  // a script reading the pipe gets each event as it happens
        if (!ctx_.out) {
            if (errno == EPIPE) {  // a closed pipe (`| head`) is an ordinary end
                stop(end::stdout_closed);
            } else {
                end_message_ = std::string("cannot write to stdout: ") + std::strerror(errno);
                stop(end::failed);
            }
            return false;
        }
        position_ = static_cast<std::uint64_t>(int_field(o, "index"));
        return true;
    }

    void on_closed(beast::error_code ec) {
        over_ = true;
        if (interrupted_) {
            end_ = end::interrupted;
            return;
        }
        end_ = end::reconnect;
        if (ec != websocket::error::closed) {
            end_message_ = "lost the connection to regcenterd at " + settings_.address + " (" +
                           ec.message() + ")";
            return;
        }
        const std::uint16_t code = ws_->reason().code;
        if (code == close_too_old) {
            end_ = end::failed;
            end_message_ = center_message_.empty()
                               ? "regcenterd can't continue this watch: re-list, then watch again"
                               : center_message_;
        } else if (code == close_lagged) {
            end_message_ = "regcenterd cut this watch: " +
                           (center_message_.empty() ? "it fell behind" : center_message_);
        } else if (code == websocket::close_code::going_away) {
            end_message_ = "regcenterd at " + settings_.address + " is shutting down";
        } else {
            end_message_ = "regcenterd at " + settings_.address + " closed the watch with code " +
                           std::to_string(code);
        }
    }

    void stop(end why) {
        end_ = why;
        over_ = true;
        beast::error_code ignored;
        ws_->next_layer().socket().close(ignored);
    }

    // On the I/O thread, for SIGINT or SIGTERM.
    void interrupt() {
        interrupted_ = true;
        over_ = true;
        end_ = end::interrupted;
        retry_timer_.cancel();
        if (ws_) {
            beast::error_code ignored;
            ws_->next_layer().socket().close(ignored);
        }
    }

    // False when interrupted.
    bool pause(std::chrono::milliseconds d) {
        retry_timer_.expires_after(d);
        retry_timer_.async_wait([](beast::error_code) {});
        ioc_.restart();
        ioc_.run();
        return !interrupted_;
    }

    command_context& ctx_;
    const connection_settings settings_;
    net::io_context ioc_;
    std::optional<websocket::stream<beast::tcp_stream>> ws_;
    beast::flat_buffer buffer_;
    std::optional<std::uint64_t> position_;  // the last index seen: where a reconnect resumes
    std::optional<std::string> run_;         // the center run the indexes belong to
    net::steady_timer retry_timer_;
    bool interrupted_ = false;
    bool watching_ = false;  // this connection got "watching"
    end end_ = end::reconnect;
    bool over_ = false;  // this connection is over
    std::string end_message_;
    std::string center_message_;  // of too-old or lagged, for the close that follows
};

int watch(command_context& ctx) {
    std::optional<std::uint64_t> since;
    if (const auto text = ctx.args.value("since")) {
        since = parse_whole_number(*text);
        if (!since) {
            throw usage_error(
                "--since: expected an event index (a whole number), got \"" + *text + "\"",
                "watch");
        }
    }
    ctx.out.flush();
    watch_session session(ctx, since);
    return session.run();
}

}  // namespace

command watch_command() {
    return {"watch",
            "watch [--since N] [--type TYPE]... [--service NAME]... [--json]",
            "print the center's events as they happen, one line each",
            "Prints every event of the center (docs/events.md) as it happens, one line each:\n"
            "INDEX  TIME  TYPE  key=value ... (fields in a fixed order), or with --json the\n"
            "event's JSON as the center sent it. Each line is flushed at once, for pipes.\n"
            "Without --since it starts with the next event; --since N first replays the events\n"
            "after index N that the center still holds. --type and --service keep only those\n"
            "events (types: master-authenticated, master-disconnected, service-registered,\n"
            "service-removed, tokens-changed, job-started, job-finished).\n"
            "\n"
            "It never silently misses an event: when the connection drops, the center shuts\n"
            "down or cuts a watch that fell behind, it says so on stderr and reconnects with\n"
            "--since set to the last index it printed, retrying until the center is back. When\n"
            "the center can't continue from there (the events have left its history, or it\n"
            "restarted), it prints why and exits 1: re-list, then watch again. Ctrl-C, SIGTERM\n"
            "or a closed stdout end it with 0.\n"
            "\n"
            "Examples:\n"
            "  regcenterctl watch\n"
            "  regcenterctl watch --type service-registered --type service-removed --json\n"
            "  regcenterctl watch --service http --since 1200 | tee events.log\n",
            {
                {"since", "N", "first replay the events after index N"},
                {"type", "TYPE", "only events of this type", true},
                {"service", "NAME", "only events about this service", true},
                {"json", "", "print each event's JSON as the center sent it"},
            },
            "",
            0,
            0,
            watch};
}

}  // namespace regcenter::ctl
