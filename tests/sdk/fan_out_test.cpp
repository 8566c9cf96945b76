// Fan-out and jobs end to end: fifty masters, of which some are slow, failing or killed
// mid-job, driven through the center's API and the admin HTTP API.
#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "regcenter/master.hpp"
#include "support/center_fixture.hpp"
#include "support/wait.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

enum class behaviour { answer, slow, fail };

// A fleet of SDK masters on one I/O thread, plus raw WebSocket masters the test can kill.
class fan_out_test : public center_test {
  protected:
    static constexpr int answering = 35;
    static constexpr int slow = 5;
    static constexpr int failing = 5;
    static constexpr int killed = 5;
    static constexpr int fleet = answering + slow + failing + killed;

    void SetUp() override {
        start_center();
        for (int i = 0; i < answering + slow + failing; ++i) {
            const behaviour b = i < answering          ? behaviour::answer
                                : i < answering + slow ? behaviour::slow
                                                       : behaviour::fail;
            add_master("m" + std::to_string(i), b, i % 2 == 0 ? "web" : "db");
        }
        io_thread_ = std::thread([this] { ioc_.run(); });
        for (int i = 0; i < killed; ++i) {
            auto client = std::make_unique<ws_client>(masters_ep());
            client->authenticate(master_token, "doomed" + std::to_string(i), {{"role", "doomed"}});
            client->send(proto::actions_update{{{"work", "", std::nullopt}}});
            // They also host a service, for fan-outs by service.
            client->send_text(R"({"cmd":"register","services":[{"name":"batch","metadata":)"
                              R"({"shard":")" +
                              std::to_string(i % 2) + R"("}}]})");
            EXPECT_TRUE(std::holds_alternative<proto::registered>(client->read_message()));
            doomed_.push_back(std::move(client));
        }
        ASSERT_TRUE(wait_for([&] {
            auto list = center_->masters();
            return list.size() == fleet &&
                   std::all_of(list.begin(), list.end(), [](const master_info& m) {
                       return m.actions && !m.actions->empty();
                   });
        }));
    }

    void TearDown() override {
        doomed_.clear();
        masters_.clear();  // their destructors need the I/O thread still running
        guard_.reset();
        ioc_.stop();
        if (io_thread_.joinable()) {
            io_thread_.join();
        }
        held_.clear();
        center_test::TearDown();
    }

    void add_master(const std::string& name, behaviour b, const std::string& role) {
        master_config c;
        c.token = master_token;
        c.name = name;
        c.labels = {{"role", role}};
        c.retry_delay = 20ms;
        auto m = std::make_unique<master>(ioc_, c);
        m->handle("work", [this, name, b](std::shared_ptr<action_stream> s) {
            switch (b) {
                case behaviour::answer:
                    s->on_end([s, name] {
                        s->write("done by " + name);
                        s->end();
                    });
                    break;
                case behaviour::slow:
                    held_.push_back(s);  // never answers; the center's deadline decides
                    break;
                case behaviour::fail:
                    throw std::runtime_error(name + " refuses");
            }
        });
        m->connect("127.0.0.1", masters_ep().port());
        masters_.push_back(std::move(m));
    }

    // Reads each doomed master's stream-open, then cuts its connection like a killed process.
    void kill_doomed_masters_once_their_streams_open() {
        for (auto& client : doomed_) {
            for (;;) {
                auto m = client->read_message(10s);
                if (std::holds_alternative<proto::stream_open>(m)) {
                    break;
                }
            }
        }
        doomed_.clear();
    }

    net::io_context ioc_;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> guard_{
        net::make_work_guard(ioc_)};
    std::thread io_thread_;
    std::vector<std::unique_ptr<master>> masters_;
    std::vector<std::shared_ptr<action_stream>> held_;  // on the I/O thread only
    std::vector<std::unique_ptr<ws_client>> doomed_;
};

TEST_F(fan_out_test, every_master_gets_exactly_one_status_and_the_summary_matches) {
    fan_out_request request;
    request.action = "work";
    request.timeout = 1500ms;
    auto promise = std::make_shared<std::promise<job_record>>();
    const std::string id =
        center_->fan_out(request, [promise](job_record job) { promise->set_value(job); });
    kill_doomed_masters_once_their_streams_open();
    auto future = promise->get_future();
    ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
    const job_record job = future.get();

    EXPECT_EQ(job.id, id);
    EXPECT_TRUE(job.done);
    ASSERT_EQ(job.results.size(), std::size_t{fleet});
    EXPECT_EQ(job.finished_targets, std::size_t{fleet});
    std::map<std::string, int> statuses;
    std::set<std::string> masters;
    for (const auto& r : job.results) {
        ++statuses[std::string(to_string(r.status))];
        masters.insert(r.master);
        if (r.name.starts_with("doomed")) {
            EXPECT_EQ(r.status, job_status::disconnected) << r.name;
            ASSERT_TRUE(r.error);
            EXPECT_EQ(r.error->code, "master-disconnected");
        } else if (r.status == job_status::ok) {
            EXPECT_EQ(r.output, "done by " + r.name);  // no cross-talk between masters
            EXPECT_LT(r.duration, request.timeout) << "an answering master was held up";
        }
    }
    EXPECT_EQ(masters.size(), std::size_t{fleet});  // one result per master, none twice
    EXPECT_EQ(statuses["ok"], answering);
    EXPECT_EQ(statuses["timeout"], slow);
    EXPECT_EQ(statuses["error"], failing);
    EXPECT_EQ(statuses["disconnected"], killed);
    EXPECT_EQ(job.summary.ok, std::size_t{answering});
    EXPECT_EQ(job.summary.timeout, std::size_t{slow});
    EXPECT_EQ(job.summary.error, std::size_t{failing});
    EXPECT_EQ(job.summary.disconnected, std::size_t{killed});
    // Everything was in at the deadline: the slow masters held the job no longer than that.
    EXPECT_LT(job.duration, request.timeout + 5s);

    for (const auto& r : job.results) {
        if (r.status == job_status::error) {
            ASSERT_TRUE(r.error);
            EXPECT_NE(r.error->message.find("refuses"), std::string::npos) << r.error->message;
        }
    }
}

TEST_F(fan_out_test, the_admin_api_fans_out_by_label_and_reports_per_master_results) {
    const auto res = admin(http::verb::post, "/v1/actions/work",
                           R"({"selector":{"labels":{"role":"web"}},"timeout_ms":1500})");
    ASSERT_EQ(res.status, 200u) << res.body;
    const json::object body = res.json().as_object();
    EXPECT_EQ(body.at("state"), "done");
    EXPECT_EQ(body.at("kind"), "fan-out");
    const json::array& results = body.at("results").as_array();
    // Even-numbered masters are "web": 18 answering, 2 or 3 slow and failing.
    std::size_t ok = 0;
    for (const auto& r : results) {
        const auto& o = r.as_object();
        EXPECT_EQ(json::value_to<std::string>(o.at("name")).substr(0, 1), "m");
        if (o.at("status") == "ok") {
            ++ok;
            EXPECT_EQ(json::value_to<std::string>(o.at("output")),
                      "done by " + json::value_to<std::string>(o.at("name")));
        } else {
            EXPECT_TRUE(o.contains("error")) << json::serialize(o);
        }
    }
    EXPECT_EQ(results.size(), std::size_t{(answering + slow + failing + 1) / 2});
    EXPECT_EQ(ok, std::size_t{(answering + 1) / 2});
    const auto& summary = body.at("summary").as_object();
    EXPECT_EQ(summary.at("ok").as_int64() + summary.at("error").as_int64() +
                  summary.at("timeout").as_int64() + summary.at("disconnected").as_int64(),
              static_cast<std::int64_t>(results.size()));
    EXPECT_TRUE(json::value_to<std::string>(body.at("started_by")).starts_with("admin:"));
}

TEST_F(fan_out_test, a_dry_run_lists_the_targets_and_runs_nothing) {
    const auto before = admin(http::verb::get, "/v1/jobs").json().at("jobs").as_array().size();
    const auto res =
        admin(http::verb::post, "/v1/actions/work", R"({"selector":{"name":"m3"},"dry_run":true})");
    ASSERT_EQ(res.status, 200u) << res.body;
    const auto body = res.json();
    ASSERT_EQ(body.at("targets").as_array().size(), 1u);
    EXPECT_EQ(body.at("targets").at(0).at("name"), "m3");
    EXPECT_TRUE(body.at("dry_run").as_bool());
    EXPECT_EQ(admin(http::verb::get, "/v1/jobs").json().at("jobs").as_array().size(), before);

    // Masters that match but don't offer the action are skipped, not failed.
    const auto other = admin(http::verb::post, "/v1/actions/nothing-here", R"({"dry_run":true})");
    EXPECT_EQ(other.json().at("targets").as_array().size(), 0u);
    EXPECT_EQ(other.json().at("skipped").as_array().size(), std::size_t{fleet});
    EXPECT_EQ(other.json().at("skipped").at(0).at("reason"), "unknown-action");
}

TEST_F(fan_out_test, ids_that_name_no_master_are_reported_disconnected) {
    std::string known;
    for (const auto& m : center_->masters()) {
        if (m.name == "m0") {
            known = m.id;  // an answering master
        }
    }
    const auto res =
        admin(http::verb::post, "/v1/actions/work",
              R"({"selector":{"ids":[")" + known + R"(","0123456789abcdef"]},"timeout_ms":3000})");
    ASSERT_EQ(res.status, 200u) << res.body;
    const json::value body = res.json();
    const auto& results = body.at("results").as_array();
    ASSERT_EQ(results.size(), 2u);
    std::map<std::string, std::string> status;
    for (const auto& r : results) {
        status[json::value_to<std::string>(r.at("master"))] =
            json::value_to<std::string>(r.at("status"));
    }
    EXPECT_EQ(status[known], "ok");
    EXPECT_EQ(status["0123456789abcdef"], "disconnected");
}

TEST_F(fan_out_test, a_job_of_a_hundred_targets_gives_its_freed_memory_back_soon_after) {
    // 100 ids that name no master: a job of 100 targets that finishes at once.
    json::array ids;
    for (int i = 0; i < 100; ++i) {
        std::string id = std::to_string(i);
        ids.push_back(json::string(std::string(16 - id.size(), 'f') + id));
    }
    const auto releases = center_->state().memory().releases();
    const auto res = admin(http::verb::post, "/v1/actions/work",
                           json::serialize(json::object{{"selector", {{"ids", ids}}}}));
    ASSERT_EQ(res.status, 200u) << res.body;
    EXPECT_EQ(res.json().at("results").as_array().size(), 100u);
    EXPECT_TRUE(wait_for([&] { return center_->state().memory().releases() > releases; }));
}

TEST_F(fan_out_test, an_id_ruled_out_by_the_other_criteria_is_reported_skipped) {
    std::string known;
    for (const auto& m : center_->masters()) {
        if (m.name == "m0") {
            known = m.id;
        }
    }
    const auto res = admin(http::verb::post, "/v1/actions/work",
                           R"({"selector":{"ids":[")" + known + R"("],"name":"m1"}})");
    ASSERT_EQ(res.status, 200u) << res.body;
    const json::value body = res.json();
    EXPECT_EQ(body.at("results").as_array().size(), 0u);
    ASSERT_EQ(body.at("skipped").as_array().size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(body.at("skipped").at(0).at("master")), known);
    EXPECT_EQ(json::value_to<std::string>(body.at("skipped").at(0).at("reason")),
              "selector-mismatch");
}

TEST_F(fan_out_test, progress_polls_need_not_carry_the_results) {
    const auto started =
        admin(http::verb::post, "/v1/actions/work", R"({"timeout_ms":2000,"wait":false})");
    ASSERT_EQ(started.status, 202u);
    const std::string job = json::value_to<std::string>(started.json().at("job"));
    const auto brief = admin(http::verb::get, "/v1/jobs/" + job + "?results=false").json();
    EXPECT_FALSE(brief.as_object().contains("results"));
    EXPECT_EQ(brief.at("targets").as_int64(), fleet);
    kill_doomed_masters_once_their_streams_open();
}

TEST_F(fan_out_test, a_service_selector_targets_the_masters_hosting_it) {
    const auto res =
        admin(http::verb::post, "/v1/actions/work",
              R"({"selector":{"service":"batch","meta":{"shard":"0"}},"dry_run":true})");
    ASSERT_EQ(res.status, 200u) << res.body;
    const json::value body = res.json();
    const auto& targets = body.at("targets").as_array();
    ASSERT_EQ(targets.size(), 3u);  // doomed0, doomed2, doomed4
    for (const auto& t : targets) {
        const std::string name = json::value_to<std::string>(t.at("name"));
        EXPECT_TRUE(name == "doomed0" || name == "doomed2" || name == "doomed4") << name;
    }
    const auto all = admin(http::verb::post, "/v1/actions/work",
                           R"({"selector":{"service":"batch"},"dry_run":true})");
    EXPECT_EQ(all.json().at("targets").as_array().size(), std::size_t{killed});
    const auto none = admin(http::verb::post, "/v1/actions/work",
                            R"({"selector":{"service":"nothing"},"dry_run":true})");
    EXPECT_EQ(none.json().at("targets").as_array().size(), 0u);
}

TEST_F(fan_out_test, bad_selectors_are_refused_with_the_reason) {
    for (const std::string body :
         {R"({"selector":{"lables":{"role":"web"}}})", R"({"selector":{"ids":[]}})",
          R"({"selector":{"labels":{"role":1}}})", R"({"selector":[]})", R"({"selectr":{}})",
          R"({"selector":{"meta":{"a":"b"}}})", R"({"selector":{"service":"bad name"}})",
          R"({"dry_run":"yes"})", R"({"timeout_ms":0})", "not json"}) {
        const auto res = admin(http::verb::post, "/v1/actions/work", body);
        EXPECT_EQ(res.status, 400u) << body;
        EXPECT_EQ(res.json().at("error").at("code"), "bad-request") << body;
    }
    EXPECT_TRUE(center_->job("nope") == std::nullopt);
}

TEST_F(fan_out_test, a_job_is_visible_while_it_runs_and_kept_in_history) {
    const auto started = admin(http::verb::post, "/v1/actions/work",
                               R"({"timeout_ms":2000,"wait":false,"args":{"n":1}})");
    ASSERT_EQ(started.status, 202u) << started.body;
    const std::string job = json::value_to<std::string>(started.json().at("job"));
    EXPECT_EQ(started.json().at("targets").as_int64(), fleet);
    EXPECT_EQ(started.raw[http::field::location], "/v1/jobs/" + job);

    // The slow masters hold it open until the deadline: it shows as running, partly done.
    ASSERT_TRUE(wait_for([&] {
        const auto j = admin(http::verb::get, "/v1/jobs/" + job).json();
        return j.at("state") == "running" && j.at("done").as_int64() >= answering + failing;
    }));
    const auto running = admin(http::verb::get, "/v1/jobs/" + job).json();
    std::size_t pending = 0;
    for (const auto& r : running.at("results").as_array()) {
        pending += r.at("status") == "pending" ? 1 : 0;
    }
    EXPECT_GE(pending, std::size_t{slow});
    kill_doomed_masters_once_their_streams_open();

    ASSERT_TRUE(wait_for(
        [&] { return admin(http::verb::get, "/v1/jobs/" + job).json().at("state") == "done"; }));
    const auto done = admin(http::verb::get, "/v1/jobs/" + job).json();
    EXPECT_EQ(done.at("done").as_int64(), fleet);
    EXPECT_EQ(done.at("args").at("n").as_int64(), 1);
    EXPECT_TRUE(done.as_object().contains("finished_at"));
    EXPECT_EQ(done.at("summary").at("ok").as_int64(), answering);

    const auto list = admin(http::verb::get, "/v1/jobs?limit=1").json().at("jobs").as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(json::value_to<std::string>(list.at(0).at("job")), job);
    EXPECT_FALSE(list.at(0).as_object().contains("results"));  // the list is a summary

    EXPECT_EQ(admin(http::verb::get, "/v1/jobs/ffffffffffffffff").status, 404u);
    EXPECT_EQ(admin(http::verb::get, "/v1/jobs?limit=zero").status, 400u);
}

TEST_F(fan_out_test, the_center_api_opens_a_stream_on_every_matching_master) {
    std::atomic<int> finished{0};
    master_selector selector;
    selector.labels = {{"role", "doomed"}};
    auto streams = center_->open_streams("work", nullptr, selector, [&](const master_info&) {
        stream_handlers h;
        h.on_finish = [&](const stream_outcome&) { ++finished; };
        return h;
    });
    EXPECT_EQ(streams.size(), std::size_t{killed});
    kill_doomed_masters_once_their_streams_open();
    EXPECT_TRUE(wait_for([&] { return finished.load() == killed; }));
}

}  // namespace
}  // namespace regcenter::test
