// Start and stop of a center: listeners, I/O threads, sweep, graceful shutdown.
#include "center.hpp"

#include <algorithm>
#include <thread>

#include "admin_session.hpp"
#include "center_state.hpp"
#include "job_runner.hpp"
#include "listener.hpp"
#include "logging.hpp"
#include "master_handshake.hpp"
#include "master_session.hpp"
#include "regcenter/common/sha256.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter {
namespace {
// How long stop() lets masters answer the closing handshake before the sockets are cut.
constexpr std::chrono::milliseconds shutdown_grace{2000};
}  // namespace

struct center::impl {
    explicit impl(center_options options) : state(std::move(options)) {}

    center_state state;
    std::shared_ptr<listener> master_listener;
    std::shared_ptr<listener> admin_listener;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
    std::vector<std::thread> threads;
    bool running = false;
};

center::center(center_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

center::~center() {
    stop();
}

center_state& center::state() {
    return impl_->state;
}

void center::start() {
    if (impl_->running) {
        return;
    }
    center_state& state = impl_->state;
    const center_options& opt = state.options();
    // With one I/O thread (the default) a connection needs no strand (listener.hpp).
    const auto executor = std::max(1u, opt.threads) == 1 ? listener::connection_executor::io_context
                                                         : listener::connection_executor::strand;
    // Both endpoints are bound (or taken over from the service manager) before anything runs,
    // so a bad address fails start() cleanly.
    auto make_listener = [&](const std::optional<int>& inherited, const std::string& address,
                             const char* what, listener::on_accept_fn on_accept) {
        return inherited ? std::make_shared<listener>(state.io(), *inherited, what,
                                                      std::move(on_accept), executor)
                         : std::make_shared<listener>(state.io(), parse_listen_address(address),
                                                      what, std::move(on_accept), executor);
    };
    impl_->master_listener =
        make_listener(opt.master_socket, opt.listen, "masters", [&state](tcp::socket socket) {
            std::make_shared<master_handshake>(std::move(socket), state)->run();
        });
    impl_->admin_listener = make_listener(
        opt.admin_socket, opt.admin_listen, "the admin API", [&state](tcp::socket socket) {
            std::make_shared<admin_session>(std::move(socket), state)->run();
        });
    impl_->master_listener->run();
    impl_->admin_listener->run();
    state.start_sweep();
    impl_->work.emplace(state.io().get_executor());
    for (unsigned i = 0; i < std::max(1u, opt.threads); ++i) {
        impl_->threads.emplace_back([&state] { state.io().run(); });
    }
    impl_->running = true;
    logging::notice("center listening", {{"MASTERS_ADDR", to_string(master_endpoint())},
                                         {"ADMIN_ADDR", to_string(admin_endpoint())},
                                         {"HEARTBEAT", format_duration(opt.heartbeat_interval)}});
}

void center::stop() {
    if (!impl_->running) {
        return;
    }
    impl_->running = false;
    center_state& state = impl_->state;
    state.stop_accepting();
    impl_->master_listener->stop();
    impl_->admin_listener->stop();
    const auto sessions = state.sessions().connections();
    const auto window = std::chrono::duration_cast<std::chrono::milliseconds>(
        state.options().shutdown_reconnect_window);
    for (const auto& session : sessions) {
        session->shut_down(window);
    }
    if (!state.sessions().wait_until_empty(shutdown_grace)) {
        logging::warning("masters did not finish the closing handshake in time, cutting them",
                         {{"COUNT", std::to_string(state.sessions().connection_count())}});
        for (const auto& session : state.sessions().connections()) {
            session->abort(disconnect_reason::shutdown);
        }
        state.sessions().wait_until_empty(std::chrono::milliseconds(200));
    }
    // Their streams failed with center-shutdown when the masters went; operators get that
    // message and a 1001 close before the threads stop.
    if (!state.wait_operator_streams_ended(shutdown_grace)) {
        logging::warning("operator streams did not close in time; their connections are cut");
    }
    // Event watchers and call sessions are closed last, so that watchers still get the events
    // of the sessions that just ended (master-disconnected with reason shutdown) and call
    // sessions the answers of their last calls, then 1001.
    state.close_watchers();
    if (!state.wait_watchers_ended(shutdown_grace)) {
        logging::warning(
            "event watchers or call sessions did not close in time; their connections are cut",
            {{"COUNT", std::to_string(state.watchers() + state.call_sessions())}});
    }
    state.stop_sweep();
    impl_->work.reset();
    state.io().stop();
    for (auto& t : impl_->threads) {
        t.join();
    }
    impl_->threads.clear();
    state.sessions().clear();
    logging::notice("center stopped", {{"SESSIONS_CLOSED", std::to_string(sessions.size())}});
}

tcp::endpoint center::master_endpoint() const {
    return impl_->master_listener->local_endpoint();
}

tcp::endpoint center::admin_endpoint() const {
    return impl_->admin_listener->local_endpoint();
}

std::vector<master_info> center::masters() const {
    return impl_->state.master_list();
}

std::optional<master_info> center::master(const std::string& id) const {
    auto session = impl_->state.sessions().find_master(id);
    if (!session) {
        return std::nullopt;
    }
    return session->info();
}

std::size_t center::master_count() const {
    return impl_->state.sessions().master_count();
}

bool center::kick(const std::string& id) {
    return impl_->state.kick(id);
}

void center::set_tokens(std::vector<std::string> tokens) {
    token_store& store = impl_->state.tokens();
    auto sorted_fingerprints = [&store] {
        auto list = store.fingerprints();
        std::sort(list.begin(), list.end());
        return list;
    };
    const auto before = sorted_fingerprints();
    store.replace(std::move(tokens));
    // A reload that leaves the tokens as they were is not a change watchers need to hear of.
    if (sorted_fingerprints() != before) {
        impl_->state.events().publish(event_type::tokens_changed,
                                      {{"change", "replaced"}, {"count", store.size()}});
    }
}

bool center::add_token(const std::string& token) {
    if (!impl_->state.tokens().add(token)) {
        return false;
    }
    impl_->state.events().publish(event_type::tokens_changed,
                                  {{"change", "added"}, {"fingerprint", token_fingerprint(token)}});
    return true;
}

bool center::remove_token_by_fingerprint(const std::string& fingerprint) {
    if (!impl_->state.tokens().remove_by_fingerprint(fingerprint)) {
        return false;
    }
    impl_->state.events().publish(event_type::tokens_changed,
                                  {{"change", "removed"}, {"fingerprint", fingerprint}});
    return true;
}

std::vector<std::string> center::token_fingerprints() const {
    return impl_->state.tokens().fingerprints();
}

std::shared_ptr<center_stream> center::open_stream(const std::string& id, std::string action,
                                                   boost::json::value args,
                                                   stream_handlers handlers) {
    auto session = impl_->state.sessions().find_master(id);
    if (!session) {
        return nullptr;
    }
    auto stream = std::make_shared<center_stream>(session, id, std::move(action), std::move(args),
                                                  std::move(handlers));
    session->open_stream(stream);
    return stream;
}

void center::call(call_request request, std::function<void(call_result)> done) {
    start_call(impl_->state, std::move(request), std::move(done));
}

std::map<std::string, std::shared_ptr<center_stream>> center::open_streams(
    const std::string& action, const boost::json::value& args, const master_selector& selector,
    const std::function<stream_handlers(const master_info&)>& make_handlers) {
    std::map<std::string, std::shared_ptr<center_stream>> streams;
    const auto hosting = hosts(impl_->state, selector);
    for (const master_info& m : impl_->state.master_list()) {
        if (!selector.matches(m) || (hosting && !hosting->contains(m.id)) || !m.offers(action)) {
            continue;
        }
        if (auto stream = open_stream(m.id, action, args, make_handlers(m))) {
            streams.emplace(m.id, std::move(stream));
        }
    }
    return streams;
}

std::string center::fan_out(fan_out_request request, std::function<void(job_record)> done) {
    return start_fan_out(impl_->state, std::move(request), std::move(done));
}

std::optional<job_record> center::job(const std::string& id) const {
    return impl_->state.jobs().find(id);
}

void center::set_admin_token(std::string token) {
    impl_->state.set_admin_token(std::move(token));
}

void center::reopen_audit_log(std::string path) {
    impl_->state.audit().reopen(std::move(path));
}

void center::set_audit_log_jobs_per_second(std::uint32_t per_second) {
    impl_->state.audit().set_job_copies_per_second(per_second);
}

}  // namespace regcenter
