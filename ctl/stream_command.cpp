// stream ACTION --master ID: stdin to the action, the action's output to stdout, over the
// daemon's WebSocket stream endpoint, like `ssh host cmd`.
//
// Threads: the calling thread runs the io_context (handshake, the read loop, writes); a second
// thread reads stdin with blocking reads, because stdin may be a regular file that epoll can't
// watch, and hands each chunk to the io_context, waiting until it is written before reading the
// next, so memory stays at one chunk whatever the sizes. Output is written to stdout with
// blocking writes from the read loop: a slow stdout stops the reading, and the daemon's flow
// control then slows the master down.
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include "action_args.hpp"
#include "command.hpp"
#include "connect.hpp"
#include "display.hpp"
#include "regcenter/common/websocket_writes.hpp"
#include "url.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

using namespace std::chrono_literals;

constexpr std::size_t chunk_size = 64 * 1024;
constexpr std::size_t max_message = 1024 * 1024;
constexpr auto connect_timeout = 10s;

// Close codes of the stream endpoint, for messages when no {"cmd":"error"} explained the close.
std::string close_meaning(std::uint16_t code) {
    switch (code) {
        case 1001:
            return "regcenterd is shutting down";
        case 4400:
            return "regcenterd refused the input";
        case 4404:
            return "unknown master or action";
        case 4500:
            return "the action failed";
        case 4502:
            return "the master disconnected";
        case 4504:
            return "the action timed out or stalled";
        default:
            return "closed with code " + std::to_string(code);
    }
}

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

class stream_session : public std::enable_shared_from_this<stream_session> {
  public:
    stream_session(connection_settings settings, std::string target, std::ostream& err,
                   bool verbose)
        : settings_(std::move(settings)),
          target_(std::move(target)),
          err_(err),
          verbose_(verbose),
          ws_(ioc_) {}

    int run() {
        open();
        read_next();
        // Detached: when the stream ends first, the thread may be blocked reading a terminal;
        // it owns a reference to the session, and the process exit ends it.
        std::thread([self = shared_from_this()] { self->pump_stdin(); }).detach();
        ioc_.run();
        return result();
    }

  private:
    void open() {
        connect_admin(ioc_, ws_.next_layer(), settings_, connect_timeout);
        ws_.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
            req.set(http::field::authorization, "Bearer " + settings_.token);
            req.set(http::field::user_agent, "regcenterctl");
        }));
        ws_.read_message_max(max_message);
        write_whole_frames(ws_, beast::role_type::client);
        websocket::response_type res;
        beast::error_code error;
        ws_.next_layer().expires_after(connect_timeout);
        ws_.async_handshake(res, settings_.address, target_,
                            [&](beast::error_code ec) { error = ec; });
        ioc_.restart();
        ioc_.run();
        ioc_.restart();
        const std::string request = "GET " + target_;
        if (error == websocket::error::upgrade_declined) {
            if (res.result_int() == 401) {
                throw token_rejected(settings_, api_error_message(res.body()));
            }
            throw api_failure(settings_, request, res.result_int(), res.body());
        }
        if (error) {
            throw ctl_error(exit_unreachable, "cannot open the stream at regcenterd " +
                                                  settings_.address + " (" + request +
                                                  "): " + error.message());
        }
        // The stream may be quiet for as long as the action likes: no idle timeout, and no
        // pings that a daemon holding back our input for flow control might not answer.
        ws_.next_layer().expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws_.binary(true);
        if (verbose_) {
            err_ << "regcenterctl: stream open: " << request << "\n";
        }
    }

    void read_next() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->on_read(ec);
        });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            finish(ec);
            return;
        }
        const auto data = buffer_.cdata();
        const char* bytes = static_cast<const char*>(data.data());
        if (ws_.got_binary()) {
            if (!write_all(STDOUT_FILENO, bytes, data.size())) {
                local_error_ = std::string("cannot write to stdout: ") + std::strerror(errno);
                buffer_.clear();
                beast::error_code ignored;
                ws_.next_layer().socket().close(ignored);
                finish(net::error::operation_aborted);
                return;
            }
        } else {
            on_control(std::string_view(bytes, data.size()));
        }
        buffer_.clear();
        read_next();
    }

    // Text messages are control JSON; unknown ones are ignored, so a newer daemon may add some.
    void on_control(std::string_view text) {
        json::error_code ec;
        const json::value v = json::parse(text, ec);
        if (ec || !v.is_object()) {
            return;
        }
        const json::object& o = v.get_object();
        const auto field = [&](const char* key) {
            const json::value* f = o.if_contains(key);
            return f != nullptr && f->is_string() ? std::string(f->get_string()) : std::string();
        };
        const std::string cmd = field("cmd");
        if (cmd == "end") {
            if (verbose_) {
                err_ << "regcenterctl: the action's output is complete\n";
            }
        } else if (cmd == "error") {
            center_error_ = field("code") + ": " + field("message");
        }
    }

    void finish(beast::error_code ec) {
        read_error_ = ec;
        if (ec == websocket::error::closed) {
            close_code_ = ws_.reason().code;
            close_reason_ = std::string(ws_.reason().reason.c_str());
        }
        std::lock_guard lock(mutex_);
        finished_ = true;
        cv_.notify_all();
    }

    int result() {
        if (local_error_) {
            err_ << "regcenterctl: " << *local_error_ << "\n";
            return exit_failed;
        }
        if (read_error_ != websocket::error::closed) {
            err_ << "regcenterctl: lost the connection to regcenterd at " << settings_.address
                 << " during the stream: " << read_error_.message() << "\n";
            return exit_failed;
        }
        if (verbose_) {
            err_ << "regcenterctl: stream closed with code " << close_code_ << "\n";
        }
        if (close_code_ == websocket::close_code::normal) {
            return exit_ok;
        }
        std::string message =
            center_error_ ? printable(*center_error_) : close_meaning(close_code_);
        if (!center_error_ && !close_reason_.empty()) {
            message += ": " + printable(close_reason_);
        }
        err_ << "regcenterctl: stream failed: " << message << "\n";
        return exit_failed;
    }

    // On the stdin thread.
    void pump_stdin() {
        std::string chunk(chunk_size, '\0');
        for (;;) {
            const ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                const std::string problem =
                    std::string("cannot read stdin: ") + std::strerror(errno);
                net::post(ioc_, [self = shared_from_this(), problem] {
                    self->local_error_ = problem;
                    beast::error_code ignored;
                    self->ws_.next_layer().socket().close(ignored);
                });
                return;
            }
            if (n == 0) {
                send_and_wait(R"({"cmd":"end"})", true);
                return;
            }
            if (!send_and_wait(chunk.substr(0, static_cast<std::size_t>(n)), false)) {
                return;
            }
        }
    }

    // On the stdin thread: has the I/O thread send one message and waits until it is written
    // (or the stream is over). False when nothing more should be sent.
    bool send_and_wait(std::string payload, bool text) {
        {
            std::lock_guard lock(mutex_);
            if (finished_ || write_failed_) {
                return false;
            }
            writing_ = true;
        }
        auto message = std::make_shared<std::string>(std::move(payload));
        net::post(ioc_, [self = shared_from_this(), message, text] {
            self->ws_.text(text);
            self->ws_.async_write(net::buffer(*message),
                                  [self, message](beast::error_code ec, std::size_t) {
                                      std::lock_guard lock(self->mutex_);
                                      self->writing_ = false;
                                      self->write_failed_ = self->write_failed_ || bool(ec);
                                      self->cv_.notify_all();
                                  });
        });
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !writing_ || finished_; });
        return !finished_ && !write_failed_;
    }

    connection_settings settings_;
    std::string target_;
    std::ostream& err_;
    bool verbose_;
    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buffer_;

    // On the I/O thread (read by run() after the io_context stopped).
    std::optional<std::string> local_error_;
    std::optional<std::string> center_error_;
    beast::error_code read_error_;
    std::uint16_t close_code_ = 0;
    std::string close_reason_;

    // Shared with the stdin thread.
    std::mutex mutex_;
    std::condition_variable cv_;
    bool writing_ = false;
    bool write_failed_ = false;
    bool finished_ = false;
};

int stream(command_context& ctx) {
    const std::string& action = ctx.args.positionals.at(0);
    const auto master = ctx.args.value("master");
    if (!master || master->empty()) {
        throw usage_error("stream needs --master ID (one master; see `regcenterctl masters`)",
                          "stream");
    }
    std::string target = "/v1/masters/" + encode_path_segment(*master) + "/actions/" +
                         encode_path_segment(action) + "/stream";
    if (const auto args = ctx.args.value("args")) {
        target += "?args=" + encode_query_value(json::serialize(parse_args_flag(*args, "stream")));
    }
    ctx.out.flush();
    auto session = std::make_shared<stream_session>(ctx.settings(), target, ctx.err, ctx.verbose());
    return session->run();
}

}  // namespace

command stream_command() {
    return {
        "stream",
        "stream ACTION --master ID [--args JSON]",
        "connect stdin and stdout to an action on one master, like `ssh host cmd`",
        "Runs ACTION on one master and connects it to this process: stdin goes to the action\n"
        "as it is read, the action's output comes out on stdout as it arrives, byte for byte\n"
        "(binary safe, any size, flow-controlled end to end). End of stdin ends the action's\n"
        "input. Exits 0 when the stream finished normally and all output was written; else\n"
        "prints the error on stderr and exits 1.\n"
        "\n"
        "Examples:\n"
        "  regcenterctl stream cat --master $ID < backup.tar > copy.tar\n"
        "  tail -f app.log | regcenterctl stream ingest --master $ID --args '{\"tag\":\"web\"}'\n",
        {
            {"master", "ID", "the master's session ID (see `regcenterctl masters`)"},
            {"args", "JSON", "arguments for the action, any JSON (a string needs its quotes)"},
        },
        "ACTION",
        1,
        1,
        stream};
}

}  // namespace regcenter::ctl
