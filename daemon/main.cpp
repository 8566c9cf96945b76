// regcenterd: options, logging, signals and the center's life time. Everything else is the
// center library.
#include <sys/resource.h>

#include <csignal>
#include <iostream>

#include "center.hpp"
#include "config.hpp"
#include "journal_sink.hpp"
#include "logging.hpp"
#include "regcenter/common/net.hpp"
#include "service_manager.hpp"

#ifndef REGCENTER_VERSION
#define REGCENTER_VERSION "unknown"
#endif

namespace {

using namespace regcenter;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_config = 2;

// Every master holds a socket: the soft open-file limit (often 1024) would cap the fleet long
// before memory does, so it is raised to the hard limit, which only root can raise.
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return;
    }
    const rlim_t before = limit.rlim_cur;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
            limit.rlim_cur = before;
        }
    }
    const auto text = [](rlim_t v) {
        return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
    };
    logging::info("open file limit", {{"SOFT_BEFORE", text(before)},
                                      {"SOFT", text(limit.rlim_cur)},
                                      {"HARD", text(limit.rlim_max)}});
}

logging::level level_of(const daemon_config& config) {
    return logging::parse_level(config.log_level).value_or(logging::level::info);
}

// log.sink: "auto" becomes the journal when systemd connected stderr to it.
logging::output output_of(const daemon_config& config) {
    return {logging::choose_sink(config.log_sink).value_or(logging::sink::console),
            config.journal_socket};
}

// SIGHUP: tokens, the admin token and the log level change in place; the listeners and timers
// would need new sockets or sessions, so a change there is reported as needing a restart.
void reload(center& c, const std::vector<std::string>& args, daemon_config& current) {
    loaded_config fresh;
    try {
        fresh = load_config(args);
    } catch (const config_error& e) {
        logging::error("reload failed, keeping the running configuration",
                       {{"ERROR", e.what()}, {"EVENT", "reload-failed"}});
        return;
    }
    const center_options& was = current.center;
    const center_options& now = fresh.config.center;
    c.set_tokens(now.auth_tokens);
    c.set_admin_token(now.admin_token);
    c.reopen_audit_log(now.audit_file);  // also after logrotate moved the file away
    c.set_audit_log_jobs_per_second(now.audit_log_jobs_per_second);
    logging::set_level(level_of(fresh.config));
    const bool needs_restart =
        was.listen != now.listen || was.admin_listen != now.admin_listen ||
        was.auth_timeout != now.auth_timeout || was.auth_max_failures != now.auth_max_failures ||
        was.heartbeat_interval != now.heartbeat_interval ||
        was.heartbeat_timeout != now.heartbeat_timeout || was.max_message != now.max_message ||
        was.stream_stall_timeout != now.stream_stall_timeout ||
        was.job_history != now.job_history || was.event_history != now.event_history ||
        was.event_watcher_queue != now.event_watcher_queue ||
        was.cluster_peers != now.cluster_peers ||
        was.shutdown_reconnect_window != now.shutdown_reconnect_window ||
        current.log_sink != fresh.config.log_sink ||
        current.journal_socket != fresh.config.journal_socket ||
        was.admin_metrics_public != now.admin_metrics_public;
    if (needs_restart) {
        logging::warning(
            "reload: only tokens, the admin token, log.level and the audit settings change "
            "on SIGHUP; the other changed settings (listen addresses, auth, heartbeat, limits, "
            "streams, jobs, events, cluster, log.sink) take effect after a restart",
            {{"EVENT", "reload"}});
    }
    logging::notice("configuration reloaded", {{"TOKENS", std::to_string(now.auth_tokens.size())},
                                               {"LOG_LEVEL", fresh.config.log_level},
                                               {"EVENT", "reload"}});
    current.center.auth_tokens = now.auth_tokens;
    current.center.admin_token = now.admin_token;
    current.center.audit_file = now.audit_file;
    current.center.audit_log_jobs_per_second = now.audit_log_jobs_per_second;
    current.log_level = fresh.config.log_level;
}

int run(const std::vector<std::string>& args, daemon_config config) {
    logging::init(level_of(config), output_of(config));
    raise_open_file_limit();
    // Signals are waited for on their own io_context in the main thread; the center runs on
    // its own threads, so a reload touches sessions only through the center's thread-safe API.
    // The set exists before the center starts so that an early SIGTERM is not fatal.
    net::io_context signals_ioc;
    net::signal_set signals(signals_ioc, SIGINT, SIGTERM, SIGHUP);
    service_manager manager(signals_ioc);
    std::optional<center> c;
    try {
        const activated_sockets passed = take_activated_sockets();
        config.center.master_socket = passed.masters;
        config.center.admin_socket = passed.admin;
        c.emplace(config.center);
        c->start();
    } catch (const std::exception& e) {
        logging::error("cannot start", {{"ERROR", e.what()}});
        return exit_failure;
    }
    // Both listeners are bound and accepting: masters may come.
    const auto status = [&c] {
        std::string line = std::to_string(c->master_count());
        line += " masters connected";
        return line;
    };
    manager.ready(status());
    manager.keep_alive(status);
    if (manager.watchdog_interval().count() > 0) {
        logging::info("systemd watchdog enabled",
                      {{"WATCHDOG_USEC", std::to_string(manager.watchdog_interval().count())}});
    }
    if (config.center.auth_tokens.empty()) {
        logging::warning(
            "no auth.token configured: no master can authenticate until one is "
            "added (config file, --auth.token, or POST /v1/tokens)");
    }
    if (config.center.admin_token.empty()) {
        logging::warning("no admin.token configured: the admin API answers only /healthz");
    }

    std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code ec, int sig) {
        if (ec) {
            return;
        }
        if (sig == SIGHUP) {
            logging::notice("SIGHUP: reloading configuration", {{"EVENT", "reload"}});
            manager.reloading();
            reload(*c, args, config);
            manager.reloaded();
            signals.async_wait(on_signal);
            return;
        }
        logging::notice(sig == SIGINT ? "SIGINT: shutting down" : "SIGTERM: shutting down",
                        {{"EVENT", "shutdown"}});
        manager.stopping();  // also ends the keep-alive timer, so signals_ioc.run() returns
    };
    signals.async_wait(on_signal);
    signals_ioc.run();
    c->stop();
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    loaded_config loaded;
    try {
        loaded = load_config(args);
    } catch (const config_error& e) {
        std::cerr << e.what() << "\n";
        return exit_config;
    }
    switch (loaded.action) {
        case config_action::help:
            std::cout << config_help();
            return exit_ok;
        case config_action::version:
            std::cout << "regcenterd " << REGCENTER_VERSION << "\n";
            return exit_ok;
        case config_action::check_config:
            std::cout << "configuration OK"
                      << (loaded.config.config_file.empty()
                              ? std::string(" (defaults and flags only)")
                              : ": " + loaded.config.config_file)
                      << "\n";
            return exit_ok;
        case config_action::run:
            break;
    }
    try {
        return run(args, std::move(loaded.config));
    } catch (const std::exception& e) {
        std::cerr << "regcenterd: fatal: " << e.what() << "\n";
        return exit_failure;
    }
}
