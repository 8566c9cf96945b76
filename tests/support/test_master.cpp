// regcenter_test_master: a master built on the real SDK whose actions behave in known ways, for
// tests that drive a real regcenterd from outside (the regcenterctl tests).
//
//   regcenter_test_master --url ws://127.0.0.1:PORT --token TOKEN --name NAME [--label K=V]...
//                         [--service NAME]...
//
// Once authenticated it prints one line, "ready <session-id>", to stdout. SIGTERM or SIGINT
// make it leave the center and exit 0. REGCENTER_TEST_LOG=1 prints the SDK's log on stderr.
//
// Actions:
//   echo, cat   stream: the input back as it arrives (back-pressure as in minimal_master)
//   uppercase   call: the input in upper case (ASCII)
//   sum         call: the decimal sum of the whitespace-separated integers of the input
//   slow        call, args {"ms":N}: "done" after N ms, without holding up the SDK's thread
//   fail        call: fails with "boom"
//   produce     stream, args {"bytes":N}: N bytes, byte i being i % 251, then the end
#include <pthread.h>
#include <signal.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "regcenter/common/net.hpp"
#include "regcenter/master.hpp"
#include "regcenter/service.hpp"

namespace {

using regcenter::action_stream;
namespace json = boost::json;

struct options {
    std::string url;
    std::string token;
    std::string name;
    regcenter::proto::label_map labels;
    std::vector<std::string> services;  // registered (name only) before connecting
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "regcenter_test_master: " << problem
              << "\nusage: regcenter_test_master --url ws://HOST:PORT --token TOKEN --name NAME "
                 "[--label KEY=VALUE]... [--service NAME]...\n";
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) {
            usage(flag + " needs a value");
        }
        const std::string value = argv[++i];
        if (flag == "--url") {
            o.url = value;
        } else if (flag == "--token") {
            o.token = value;
        } else if (flag == "--name") {
            o.name = value;
        } else if (flag == "--label") {
            const auto eq = value.find('=');
            if (eq == std::string::npos || eq == 0) {
                usage("--label needs KEY=VALUE, got \"" + value + "\"");
            }
            o.labels[value.substr(0, eq)] = value.substr(eq + 1);
        } else if (flag == "--service") {
            o.services.push_back(value);
        } else {
            usage("unknown option " + flag);
        }
    }
    if (o.url.empty() || o.token.empty() || o.name.empty()) {
        usage("--url, --token and --name are required");
    }
    return o;
}

std::int64_t int_arg(const json::value& args, const char* key) {
    const json::value* v = args.is_object() ? args.get_object().if_contains(key) : nullptr;
    if (v == nullptr || !v->is_number()) {
        return 0;
    }
    return static_cast<std::int64_t>(v->to_number<double>());
}

// As minimal_master's echo: when the center reads our output slower than it sends input,
// write() returns false and the input is not credited until the output drains.
void echo(std::shared_ptr<action_stream> stream) {
    action_stream* s = stream.get();  // callbacks only run while the stream lives
    s->on_data([s](std::string_view bytes) {
        if (!s->write(bytes)) {
            s->hold_credit();
        }
    });
    s->on_drain([s] { s->release_credit(); });
    s->on_end([s] { s->end(); });
}

std::string uppercase(const json::value&, std::string input) {
    for (char& c : input) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return input;
}

std::string sum(const json::value&, std::string input) {
    std::istringstream in(input);
    long long total = 0;
    std::string word;
    while (in >> word) {
        std::size_t used = 0;
        long long n = 0;
        try {
            n = std::stoll(word, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != word.size()) {
            throw std::runtime_error("not an integer: " + word);
        }
        total += n;
    }
    return std::to_string(total);
}

// A call whose answer comes later: the wait is a timer on the I/O context, so the SDK's thread
// keeps serving other streams and heartbeats meanwhile.
regcenter::action_handler slow(regcenter::net::io_context& ioc) {
    return [&ioc](std::shared_ptr<action_stream> stream) {
        const auto ms = std::max<std::int64_t>(0, int_arg(stream->args(), "ms"));
        stream->on_end([&ioc, stream, ms] {
            auto timer =
                std::make_shared<regcenter::net::steady_timer>(ioc, std::chrono::milliseconds(ms));
            timer->async_wait([stream, timer](boost::system::error_code) {
                stream->write("done");
                stream->end();
            });
        });
    };
}

// Writes N bytes of the pattern as fast as the center takes them, pausing at the high-water
// mark until on_drain.
void produce(std::shared_ptr<action_stream> stream) {
    struct state {
        std::uint64_t sent = 0;
        std::uint64_t total = 0;
    };
    auto st = std::make_shared<state>();
    st->total =
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, int_arg(stream->args(), "bytes")));
    action_stream* s = stream.get();
    auto pump = [s, st] {
        std::string chunk;
        while (st->sent < st->total) {
            const std::uint64_t n = std::min<std::uint64_t>(64 * 1024, st->total - st->sent);
            chunk.resize(n);
            for (std::uint64_t i = 0; i < n; ++i) {
                chunk[i] = static_cast<char>((st->sent + i) % 251);
            }
            st->sent += n;
            if (!s->write(chunk)) {
                return;  // continue from on_drain
            }
        }
        s->end();
    };
    s->on_drain(pump);
    pump();
}

}  // namespace

int main(int argc, char** argv) {
    const options opts = parse(argc, argv);

    // Blocked before any thread starts, so that only sigwait() below sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    regcenter::net::io_context ioc;
    auto work = regcenter::net::make_work_guard(ioc);
    std::thread io([&ioc] { ioc.run(); });

    {
        regcenter::master_config config;
        config.token = opts.token;
        config.name = opts.name;
        config.labels = opts.labels;
        if (std::getenv("REGCENTER_TEST_LOG") != nullptr) {
            config.min_log_level = regcenter::log_level::debug;
            config.logger = [](regcenter::log_level, std::string_view line) {
                std::cerr << "sdk: " << line << '\n';
            };
        }
        regcenter::master master(ioc, std::move(config));
        bool announced = false;  // handlers run one at a time
        master.on_authenticated([&announced](const std::string&, const std::string& session) {
            if (!announced) {
                announced = true;
                std::printf("ready %s\n", session.c_str());
                std::fflush(stdout);
            }
        });

        master.handle("echo", echo, "streams its input back");
        master.handle("cat", echo, "streams its input back unchanged");
        master.handle_call("uppercase", uppercase, "the input in upper case");
        master.handle_call("sum", sum, "sums the whitespace-separated integers of the input");
        master.handle(
            "slow", slow(ioc), "answers \"done\" after args.ms milliseconds",
            json::object{{"type", "object"}, {"properties", {{"ms", {{"type", "integer"}}}}}});
        master.handle_call(
            "fail",
            [](const json::value&, std::string) -> std::string {
                throw std::runtime_error("boom");
            },
            "always fails");
        master.handle(
            "produce", produce, "writes args.bytes bytes of a pattern",
            json::object{{"type", "object"}, {"properties", {{"bytes", {{"type", "integer"}}}}}});

        for (const auto& name : opts.services) {
            regcenter::service_info service;
            service.name = name;
            master.register_service(std::move(service));
        }
        try {
            master.connect(std::string_view(opts.url));
        } catch (const std::invalid_argument& e) {
            usage(e.what());
        }

        int signal_number = 0;
        sigwait(&signals, &signal_number);
        master.close();
        master.wait_closed(std::chrono::seconds(5));
    }
    // A `slow` timer may still be pending; its answer has nowhere to go any more.
    work.reset();
    ioc.stop();
    io.join();
    return 0;
}
