// A minimal master: joins a center (and the other centers it names), logs every event to
// stderr, offers three actions, registers the services it is told to, can watch a service's
// instances, and leaves on SIGINT/SIGTERM.
//
// Actions (see docs/sdk.md, "Actions and streams"):
//   echo  answers with its args when they are a string, then streams its input back
//   cat   streams its input back as it arrives, byte for byte (binary files too)
//   load  a call: returns the 1, 5 and 15 minute load averages as JSON
//
//   minimal_master [--name NAME] [--service NAME]... [--endpoint URL] [--meta KEY=VALUE]...
//                  [--watch SERVICE] [URL [TOKEN]]
//
// --service registers a service (repeatable); --endpoint and --meta apply to every service.
// --watch subscribes to a service and prints its instances whenever they change.
// URL and TOKEN default to $REGCENTER_URL and $REGCENTER_TOKEN, then to a local development
// center. Prefer the environment for the token: command lines are visible to every local user.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "regcenter/master.hpp"

namespace {

struct options {
    std::string name;
    std::vector<std::string> services;
    std::vector<std::string> endpoints;
    regcenter::proto::label_map metadata;
    std::string watch;
    std::vector<std::string> positional;  // URL, TOKEN
};

// Throws std::invalid_argument with a usage message for anything it doesn't understand.
options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument(std::string(arg) + " needs a value");
            }
            return argv[++i];
        };
        if (arg == "--name") {
            o.name = value();
        } else if (arg == "--service") {
            o.services.push_back(value());
        } else if (arg == "--endpoint") {
            o.endpoints.push_back(value());
        } else if (arg == "--meta") {
            const std::string pair = value();
            const auto eq = pair.find('=');
            if (eq == std::string::npos || eq == 0) {
                throw std::invalid_argument("--meta needs KEY=VALUE, not \"" + pair + "\"");
            }
            o.metadata[pair.substr(0, eq)] = pair.substr(eq + 1);
        } else if (arg == "--watch") {
            o.watch = value();
        } else if (arg.starts_with("--")) {
            throw std::invalid_argument("unknown option " + std::string(arg));
        } else {
            o.positional.emplace_back(arg);
        }
    }
    if (o.positional.size() > 2) {
        throw std::invalid_argument("too many arguments");
    }
    return o;
}

std::string setting(const options& o, std::size_t index, const char* env, const char* fallback) {
    if (o.positional.size() > index) {
        return o.positional[index];
    }
    const char* value = std::getenv(env);
    return value != nullptr && *value != '\0' ? value : fallback;
}

void print_instances(const std::string& service,
                     const std::vector<regcenter::service_instance>& instances) {
    std::cerr << service << ": " << instances.size() << " instance(s)";
    for (const auto& i : instances) {
        std::cerr << ' ' << i.master_name;
        for (const auto& e : i.service.endpoints) {
            std::cerr << ' ' << e;
        }
    }
    std::cerr << '\n';
}

const char* level_name(regcenter::log_level level) {
    switch (level) {
        case regcenter::log_level::error:
            return "error";
        case regcenter::log_level::warning:
            return "warning";
        case regcenter::log_level::notice:
            return "notice";
        case regcenter::log_level::info:
            return "info";
        case regcenter::log_level::debug:
            return "debug";
    }
    return "?";
}

// Streams the input back. When the center reads our output slower than it sends input, write()
// returns false: stop crediting the input until our buffer drains, so memory stays bounded.
void cat(std::shared_ptr<regcenter::action_stream> stream) {
    regcenter::action_stream* s = stream.get();  // callbacks only run while the stream lives
    s->on_data([s](std::string_view bytes) {
        if (!s->write(bytes)) {
            s->hold_credit();
        }
    });
    s->on_drain([s] { s->release_credit(); });
    s->on_end([s] { s->end(); });
    s->on_error([s](const std::string& code, const std::string& message) {
        std::cerr << s->action() << " stream " << s->id() << " failed: " << code << ": " << message
                  << '\n';
    });
}

// `echo` answers with its args when they are a string (`regcenterctl run echo --all --args
// '"hi"'` prints hi for every master), followed by its input.
void echo(std::shared_ptr<regcenter::action_stream> stream) {
    if (stream->args().is_string()) {
        stream->write(std::string_view(stream->args().get_string()));
    }
    cat(std::move(stream));
}

// {"load1":0.42,"load5":0.30,"load15":0.25} from /proc/loadavg.
std::string load(const boost::json::value& /*args*/, std::string /*input*/) {
    // The kernel's own decimal text is kept: a double would come out as 4.2E-1.
    std::ifstream file("/proc/loadavg");
    std::string one;
    std::string five;
    std::string fifteen;
    if (!(file >> one >> five >> fifteen)) {
        throw std::runtime_error("cannot read /proc/loadavg");
    }
    return R"({"load1":)" + one + R"(,"load5":)" + five + R"(,"load15":)" + fifteen + "}";
}

}  // namespace

int main(int argc, char** argv) {
    options opts;
    try {
        opts = parse(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "minimal_master: " << e.what()
                  << "\nusage: minimal_master [--name NAME] [--service NAME]... [--endpoint URL]"
                     " [--meta KEY=VALUE]... [--watch SERVICE] [URL [TOKEN]]\n";
        return 2;
    }
    const std::string url = setting(opts, 0, "REGCENTER_URL", "ws://127.0.0.1:8010");

    regcenter::master_config config;
    config.token = setting(opts, 1, "REGCENTER_TOKEN", "register-center-token-2024");
    config.name = opts.name;
    config.labels = {{"example", "minimal"}};
    config.logger = [](regcenter::log_level level, std::string_view line) {
        std::cerr << "[" << level_name(level) << "] " << line << '\n';
    };

    // Blocked before the master starts its thread, so that only sigwait() below sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    regcenter::master master(std::move(config));
    master.on_connect(
        [](const std::string& center) { std::cerr << "connected to " << center << '\n'; });
    master.on_authenticated([](const std::string& center, const std::string& session) {
        std::cerr << "authenticated with " << center << ", session " << session << '\n';
    });
    master.on_close([](const std::string& center, const std::string& reason) {
        std::cerr << "connection to " << center << " closed: " << reason << '\n';
    });
    master.on_error([](boost::system::error_code ec, const std::string& context) {
        std::cerr << "error: " << ec.message() << " (" << context << ")"
                  << (regcenter::is_fatal(ec) ? ", giving up" : "") << '\n';
    });
    master.on_command([](const std::string& cmd, const boost::json::object& message) {
        std::cerr << "command " << cmd << ": " << message << '\n';
    });

    master.handle("echo", echo, "answers with its args (a string), then its input");
    master.handle("cat", cat, "streams its input back unchanged, for binary files");
    master.handle_call("load", load, "1, 5 and 15 minute load averages as JSON");

    try {
        // Registered before connecting: they go with auth to every center, after every
        // reconnect too.
        for (const auto& name : opts.services) {
            master.register_service({name, "1.0", opts.endpoints, opts.metadata});
        }
        if (!opts.watch.empty()) {
            master.subscribe(opts.watch, {}, [service = opts.watch](const auto& instances) {
                print_instances(service, instances);
            });
        }
        master.connect(std::string_view(url));
    } catch (const std::invalid_argument& e) {
        std::cerr << e.what() << '\n';
        return 2;
    }

    int signal_number = 0;
    sigwait(&signals, &signal_number);
    std::cerr << "signal " << signal_number << ", leaving\n";
    master.close();
    master.wait_closed(std::chrono::seconds(5));
    return 0;
}
