// run ACTION: an action on every selected master at once (a fan-out job), its results as a
// table. The job is started without waiting and then polled, so that a long fan-out can show
// its progress on a terminal.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <boost/json.hpp>

#include "action_args.hpp"
#include "command.hpp"
#include "display.hpp"
#include "json_fields.hpp"
#include "regcenter/common/base64.hpp"
#include "regcenter/common/units.hpp"
#include "results.hpp"
#include "table.hpp"
#include "url.hpp"

namespace regcenter::ctl {
namespace json = boost::json;

namespace {

using namespace std::chrono_literals;

// The daemon's default deadline for an action, sent explicitly so that the CLI knows how long
// the job may take.
constexpr auto default_timeout = 30s;

// How much longer than the action's deadline the CLI polls before it gives up on the job.
constexpr auto poll_margin = 30s;

// Fast fan-outs finish before any progress is drawn, so nothing flickers.
constexpr auto progress_delay = 300ms;

struct selection {
    json::object selector;
    std::string description;  // as typed: "--label zone=eu-1 --name web"
};

selection select_targets(const parsed_args& a) {
    const auto ids = a.values("master");
    const auto labels = a.values("label");
    const auto name = a.value("name");
    const bool all = a.has("all");
    if (ids.empty() && labels.empty() && !name && !all) {
        throw usage_error("no targets: give --master ID, --all, --label KEY=VALUE or --name NAME",
                          "run");
    }
    if (all && (!ids.empty() || !labels.empty() || name)) {
        throw usage_error("--all can't be combined with --master, --label or --name", "run");
    }
    if (!ids.empty() && (!labels.empty() || name)) {
        throw usage_error("--master can't be combined with --label or --name", "run");
    }

    selection s;
    if (all) {
        s.description = "--all";
        return s;  // an empty selector selects every master
    }
    if (!ids.empty()) {
        json::array list;
        for (const auto& id : ids) {
            if (id.empty()) {
                throw usage_error("--master needs a session ID", "run");
            }
            list.emplace_back(id);
            s.description += (s.description.empty() ? "" : " ") + std::string("--master ") + id;
        }
        s.selector["ids"] = std::move(list);
        return s;
    }
    json::object wanted;
    for (const auto& label : labels) {
        const auto eq = label.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw usage_error("--label: expected KEY=VALUE, got \"" + label + "\"", "run");
        }
        const std::string key = label.substr(0, eq);
        const std::string value = label.substr(eq + 1);
        if (const json::value* seen = wanted.if_contains(key);
            seen != nullptr && seen->get_string() != value) {
            throw usage_error("--label " + key + " given twice with different values", "run");
        }
        wanted[key] = value;
        s.description += (s.description.empty() ? "" : " ") + std::string("--label ") + label;
    }
    if (!wanted.empty()) {
        s.selector["labels"] = std::move(wanted);
    }
    if (name) {
        s.selector["name"] = *name;
        s.description += (s.description.empty() ? "" : " ") + std::string("--name ") + *name;
    }
    return s;
}

std::string read_all_stdin() {
    std::string data;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw ctl_error(exit_usage, std::string("cannot read stdin for --input-file -: ") +
                                            std::strerror(errno));
        }
        if (n == 0) {
            return data;
        }
        data.append(chunk, static_cast<std::size_t>(n));
    }
}

std::optional<std::string> read_input(const parsed_args& a) {
    const auto text = a.value("input");
    const auto file = a.value("input-file");
    if (text && file) {
        throw usage_error("--input and --input-file can't both be given", "run");
    }
    if (text) {
        return text;
    }
    if (!file) {
        return std::nullopt;
    }
    if (*file == "-") {
        return read_all_stdin();
    }
    errno = 0;
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
        throw ctl_error(exit_usage, "cannot read --input-file " + *file + ": " +
                                        (errno != 0 ? std::strerror(errno) : "cannot open it"));
    }
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::chrono::milliseconds timeout_of(const parsed_args& a) {
    const auto text = a.value("timeout");
    if (!text) {
        return default_timeout;
    }
    const auto d = parse_duration(*text);
    if (!d || *d <= duration::zero()) {
        throw usage_error("--timeout: invalid duration \"" + *text +
                              "\" (expected e.g. 500ms, 5s, 2m, or a number of seconds)",
                          "run");
    }
    // Rounded up: a sub-millisecond timeout must not become "no time at all".
    return std::chrono::ceil<std::chrono::milliseconds>(*d);
}

json::object request_body(const parsed_args& a, const selection& s,
                          std::chrono::milliseconds timeout) {
    json::object body;
    body["selector"] = s.selector;
    if (const auto args = a.value("args")) {
        body["args"] = parse_args_flag(*args, "run");
    }
    if (const auto input = read_input(a)) {
        // JSON strings must be UTF-8; anything else travels base64-encoded.
        if (is_valid_utf8(*input)) {
            body["input"] = *input;
        } else {
            body["input_base64"] = base64_encode(*input);
        }
    }
    body["timeout_ms"] = timeout.count();
    return body;
}

// Draws "12/50 done" on a terminal's stderr, overwriting itself; erases it when done.
class progress_line {
  public:
    explicit progress_line(command_context& ctx)
        : ctx_(ctx), started_(std::chrono::steady_clock::now()) {}
    ~progress_line() { clear(); }

    void update(std::int64_t done, std::int64_t targets) {
        if (!ctx_.progress_terminal ||
            std::chrono::steady_clock::now() - started_ < progress_delay) {
            return;
        }
        if (shown_ && done == done_ && targets == targets_) {
            return;
        }
        done_ = done;
        targets_ = targets;
        shown_ = true;
        ctx_.err << "\r" << done << "/" << targets << " done" << std::flush;
    }

    void clear() {
        if (shown_) {
            ctx_.err << "\r\x1b[K" << std::flush;
            shown_ = false;
        }
    }

  private:
    command_context& ctx_;
    std::chrono::steady_clock::time_point started_;
    bool shown_ = false;
    std::int64_t done_ = -1;
    std::int64_t targets_ = -1;
};

struct job_answer {
    std::string raw;
    json::value body;
};

// Polls GET /v1/jobs/ID?results=false until the job is done: every 20 ms at first, slowing to
// every 250 ms, so short jobs return at once and long ones cost the daemon little. Then fetches
// the job once with its results.
job_answer wait_for_job(command_context& ctx, const std::string& job,
                        std::chrono::milliseconds limit) {
    const std::string target = "/v1/jobs/" + encode_path_segment(job);
    const std::string progress_target = target + "?results=false";
    const auto deadline = std::chrono::steady_clock::now() + limit;
    auto interval = 20ms;
    progress_line progress(ctx);
    for (;;) {
        const auto r = ctx.client().send(http::verb::get, progress_target);
        if (r.status != 200) {
            throw ctx.client().api_failure(http::verb::get, progress_target, r);
        }
        const json::value body = ctx.client().parse(http::verb::get, progress_target, r);
        const json::object& o = as_object(body);
        if (string_field(o, "state") == "done") {
            const auto full = ctx.client().send(http::verb::get, target);
            if (full.status != 200) {
                throw ctx.client().api_failure(http::verb::get, target, full);
            }
            return job_answer{full.body, ctx.client().parse(http::verb::get, target, full)};
        }
        progress.update(int_field(o, "done"), int_field(o, "targets"));
        if (std::chrono::steady_clock::now() >= deadline) {
            progress.clear();
            throw ctl_error(exit_failed, "job " + job + " is still running " +
                                             std::to_string(limit.count() / 1000) +
                                             "s later, well past its timeout; `regcenterctl "
                                             "jobs " +
                                             job + "` shows how far it got");
        }
        std::this_thread::sleep_for(interval);
        interval = std::min<std::chrono::milliseconds>(250ms, interval * 3 / 2);
    }
}

int no_targets(command_context& ctx, const json::object& answer, const selection& s) {
    ctx.err << skipped_lines(answer);
    const std::size_t skipped = array_field(answer, "skipped").size();
    if (skipped > 0) {
        // Masters matched, but none offers the action: say so rather than "nothing matched".
        ctx.err << "regcenterctl: " << skipped
                << (skipped == 1 ? " master matches" : " masters match") << " the selector ("
                << s.description << ") but none offers action "
                << printable(ctx.args.positionals.at(0))
                << "; `regcenterctl masters` lists each master's actions\n";
    } else {
        ctx.err << "regcenterctl: no master matches the selector (" << s.description << ")\n";
    }
    return exit_failed;
}

int dry_run(command_context& ctx, const std::string& target, const json::object& body,
            const selection& s) {
    const auto r = ctx.client().send(http::verb::post, target, json::serialize(body));
    if (r.status != 200) {
        throw ctx.client().api_failure(http::verb::post, target, r);
    }
    const json::value answer = ctx.client().parse(http::verb::post, target, r);
    const json::object& o = as_object(answer);
    const json::array& targets = array_field(o, "targets");
    if (ctx.args.has("json")) {
        print_raw_json(ctx.out, r.body);
    } else if (!targets.empty()) {
        table t({"MASTER", "NAME"});
        for (const auto& entry : targets) {
            const json::object& m = as_object(entry);
            t.add_row({printable(string_field(m, "master")), printable(string_field(m, "name"))});
        }
        ctx.out << t.render();
    }
    if (targets.empty()) {
        return no_targets(ctx, o, s);
    }
    if (!ctx.args.has("json")) {
        ctx.err << skipped_lines(o);
        ctx.err << "regcenterctl: dry run: " << printable(ctx.args.positionals.at(0))
                << " would run on " << targets.size()
                << (targets.size() == 1 ? " master" : " masters") << "; nothing was run\n";
    }
    return exit_ok;
}

int run(command_context& ctx) {
    const std::string& action = ctx.args.positionals.at(0);
    const selection s = select_targets(ctx.args);
    const auto timeout = timeout_of(ctx.args);
    json::object body = request_body(ctx.args, s, timeout);
    const std::string target = "/v1/actions/" + encode_path_segment(action);
    if (ctx.args.has("dry-run")) {
        body["dry_run"] = true;
        return dry_run(ctx, target, body, s);
    }

    body["wait"] = false;
    const auto r = ctx.client().send(http::verb::post, target, json::serialize(body));
    job_answer answer;
    if (r.status == 202) {
        const json::value started = ctx.client().parse(http::verb::post, target, r);
        const std::string job = string_field(as_object(started), "job");
        if (job.empty()) {
            throw ctx.client().api_failure(http::verb::post, target, r);
        }
        answer = wait_for_job(ctx, job, timeout + poll_margin);
    } else if (r.status == 200) {
        // Nothing to wait for (no target matched), or a daemon that answered synchronously.
        answer = {r.body, ctx.client().parse(http::verb::post, target, r)};
    } else {
        throw ctx.client().api_failure(http::verb::post, target, r);
    }

    const json::object& job = as_object(answer.body);
    const bool json_output = ctx.args.has("json");
    if (json_output) {
        print_raw_json(ctx.out, answer.raw);
    }
    if (array_field(job, "results").empty()) {
        return no_targets(ctx, job, s);
    }
    if (!json_output) {
        ctx.out << results_table(job);
        ctx.err << skipped_lines(job);
    }
    const result_counts counts = count_results(job);
    if (counts.failed > 0 || counts.pending > 0) {
        const std::size_t total = counts.ok + counts.failed + counts.pending;
        ctx.err << "regcenterctl: " << counts.failed + counts.pending << " of " << total
                << (total == 1 ? " target" : " targets") << " failed (" << counts.failed_by_status
                << (counts.pending > 0 ? std::string(counts.failed > 0 ? ", " : "") +
                                             "pending: " + std::to_string(counts.pending)
                                       : "")
                << ")\n";
        return exit_failed;
    }
    return exit_ok;
}

}  // namespace

command run_command() {
    return {
        "run",
        "run ACTION (--master ID | --all | --label KEY=VALUE | --name NAME) [--args JSON]\n"
        "        [--input TEXT | --input-file PATH] [--timeout 5s] [--dry-run] [--json]",
        "run an action on one, some or all masters and show each result",
        "Runs ACTION on every selected master at once and prints one row per master: MASTER,\n"
        "NAME, STATUS (ok, error, timeout, disconnected), DURATION and OUTPUT (without its\n"
        "last newline; output that is not UTF-8 shows as \"<N bytes binary>\"; a failure shows\n"
        "its error code and message). Masters the daemon skipped (one that doesn't offer the\n"
        "action, say) are listed on stderr with the reason. --label and --name together select "
        "the\n"
        "masters that match all of them. On a terminal, a long run shows its progress\n"
        "(\"12/50 done\") on stderr.\n"
        "\n"
        "Exits 0 when every target succeeded, 1 when any failed or no master matched.\n"
        "\n"
        "Examples:\n"
        "  regcenterctl run echo --all --args '\"hi\"' --input hello\n"
        "  regcenterctl run restart --label zone=eu-1 --timeout 2m\n"
        "  regcenterctl run load --name web-1 --json | jq '.results[].output'\n",
        {
            {"master", "ID", "run on the master with this session ID", true},
            {"all", "", "run on every connected master"},
            {"label", "KEY=VALUE", "run on the masters with this label", true},
            {"name", "NAME", "run on the masters with this name"},
            {"args", "JSON", "arguments for the action, any JSON (a string needs its quotes)"},
            {"input", "TEXT", "input bytes for the action"},
            {"input-file", "PATH",
             "input from a file (- for stdin); for more than ~700 KiB use `stream`"},
            {"timeout", "DURATION", "deadline for each master, e.g. 500ms, 5s, 2m (default 30s)"},
            {"dry-run", "", "only show which masters would run it"},
            {"json", "", "print the API's JSON answer (the job) as is"},
        },
        "ACTION",
        1,
        1,
        run};
}

}  // namespace regcenter::ctl
