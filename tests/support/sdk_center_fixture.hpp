// The in-process center with one real SDK master connected to it, for end-to-end tests of
// actions; and the echo action several of them serve.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "regcenter/master.hpp"
#include "support/center_fixture.hpp"
#include "support/master_recorder.hpp"
#include "support/wait.hpp"

namespace regcenter::test {

/// Streams its input back as it arrives; when its output backs up (write() is false) it stops
/// crediting its input until the output drains, so memory stays bounded.
inline void serve_echo(std::shared_ptr<action_stream> stream) {
    action_stream* s = stream.get();  // the callbacks run only while the stream lives
    s->on_data([s](std::string_view bytes) {
        if (!s->write(bytes)) {
            s->hold_credit();
        }
    });
    s->on_drain([s] { s->release_credit(); });
    s->on_end([s] { s->end(); });
}

class sdk_center_test : public center_test {
  protected:
    /// Starts the center (with options_) and one SDK master called `name`; `serve` registers
    /// its actions before it connects. Returns once the center lists the master with all of
    /// them; id_ is then its session id.
    void start_center_and_master(const std::string& name,
                                 const std::function<void(master&)>& serve) {
        start_center();
        master_config c;
        c.token = master_token;
        c.name = name;
        c.retry_delay = std::chrono::milliseconds(20);
        c.logger = r_.logger();
        master_ = std::make_unique<master>(c);
        r_.attach(*master_);
        serve(*master_);
        master_->connect("127.0.0.1", masters_ep().port());
        ASSERT_TRUE(r_.wait([&] { return r_.authenticated.size() == 1; }));
        ASSERT_TRUE(wait_for([&] {
            const auto list = center_->masters();
            return list.size() == 1 && list[0].actions && !list[0].actions->empty();
        }));
        id_ = center_->masters().at(0).id;
    }

    void TearDown() override {
        master_.reset();
        center_test::TearDown();
    }

    recorder r_;
    std::unique_ptr<master> master_;
    std::string id_;
};

}  // namespace regcenter::test
