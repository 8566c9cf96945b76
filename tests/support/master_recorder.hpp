// Records what a regcenter::master reports (events, errors, log lines) for tests to wait on.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "regcenter/master.hpp"

namespace regcenter::test {

// Everything a master reported, for tests to wait on.
class recorder {
  public:
    struct error_event {
        boost::system::error_code ec;
        std::string context;
    };
    struct command_event {
        std::string cmd;
        boost::json::object message;
    };

    void attach(master& m) {
        m.on_connect(
            [this](const std::string& center) { add([&] { connects.push_back(center); }); });
        m.on_authenticated([this](const std::string& center, const std::string& session) {
            add([&] { authenticated.emplace_back(center, session); });
        });
        m.on_close([this](const std::string& center, const std::string& reason) {
            add([&] { closes.emplace_back(center, reason); });
        });
        m.on_error([this](boost::system::error_code ec, const std::string& context) {
            add([&] { errors.push_back({ec, context}); });
        });
        m.on_command([this](const std::string& cmd, const boost::json::object& message) {
            add([&] { commands.push_back({cmd, message}); });
        });
    }

    // REGCENTER_TEST_LOG=1 also prints the SDK's lines, for debugging a failing test.
    std::function<void(log_level, std::string_view)> logger() {
        const bool print = std::getenv("REGCENTER_TEST_LOG") != nullptr;
        return [this, print](log_level level, std::string_view line) {
            if (print) {
                std::fprintf(stderr, "sdk <%d> %.*s\n", static_cast<int>(level),
                             static_cast<int>(line.size()), line.data());
            }
            add([&] { logs.emplace_back(line); });
        };
    }

    template <class Predicate>
    bool wait(Predicate p, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, timeout, [&] { return p(); });
    }

    // Counters to use inside wait() (the lock is held there) or under lock().
    std::size_t count_errors(master_errc e) const {
        return std::count_if(errors.begin(), errors.end(),
                             [&](const error_event& x) { return x.ec == e; });
    }

    std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex); }

    std::vector<std::string> connects;
    std::vector<std::pair<std::string, std::string>> authenticated;
    std::vector<std::pair<std::string, std::string>> closes;
    std::vector<error_event> errors;
    std::vector<command_event> commands;
    std::vector<std::string> logs;
    std::set<std::thread::id> threads;

  private:
    template <class F>
    void add(F f) {
        {
            std::lock_guard lock(mutex);
            threads.insert(std::this_thread::get_id());
            f();
        }
        cv.notify_all();
    }

    std::mutex mutex;
    std::condition_variable cv;
};

}  // namespace regcenter::test
