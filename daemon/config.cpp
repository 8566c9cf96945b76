// Loading of the daemon's configuration; see config.hpp for the rules.
//
// Each source (command line, file) is first turned into a list of entries (key, values, where
// they came from), every entry is validated on its own, and then the sources are stored into one
// Boost.Program_options variables_map, highest precedence first: store() keeps the first
// source's value of an option, so a key from the command line makes the file's entries for that
// key ignored, lists included, while several entries of a list key within one source accumulate.
#include "config.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>

#include <yaml-cpp/yaml.h>
#include <boost/program_options.hpp>

#include "regcenter/common/address.hpp"
#include "regcenter/proto/center_address.hpp"

namespace regcenter {
namespace {

namespace po = boost::program_options;

// A value that doesn't fit its key; the caller adds where it came from and which key.
struct bad_value : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One key's values from one place of one source. `where` is "FILE:LINE" (YAML), "FILE" (INI),
// or empty for the command line.
struct entry {
    std::string key;
    std::vector<std::string> values;
    std::string where;
};

[[noreturn]] void fail(const std::string& where, const std::string& message) {
    throw config_error("config error: " + where + ": " + message);
}

[[noreturn]] void fail_key(const std::string& where, std::string_view key,
                           const std::string& message) {
    if (where.empty()) {
        throw config_error("config error: --" + std::string(key) + ": " + message);
    }
    fail(where, std::string(key) + ": " + message);
}

std::string in_quotes(std::string_view text) {
    return '"' + std::string(text) + '"';
}

// ---- values ---------------------------------------------------------------------------------

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t min_max_message = kib;
constexpr std::uint64_t max_max_message = kib * kib * kib;
constexpr unsigned max_auth_failures = 1'000'000;
constexpr unsigned max_audit_copies = 1'000'000;
constexpr std::string_view log_levels[] = {"debug", "info", "notice", "warning", "error"};

std::string format_size(std::uint64_t bytes) {
    if (bytes != 0 && bytes % (kib * kib * kib) == 0) {
        return std::to_string(bytes / (kib * kib * kib)) + "GiB";
    }
    if (bytes != 0 && bytes % (kib * kib) == 0) {
        return std::to_string(bytes / (kib * kib)) + "MiB";
    }
    if (bytes != 0 && bytes % kib == 0) {
        return std::to_string(bytes / kib) + "KiB";
    }
    return std::to_string(bytes);
}

const std::string& single(const std::vector<std::string>& values) {
    if (values.size() != 1) {
        throw bad_value("expected exactly one value");
    }
    return values.front();
}

duration any_duration(const std::string& text) {
    const auto d = parse_duration(text);
    if (!d) {
        throw bad_value("invalid duration " + in_quotes(text) +
                        " (expected e.g. 500ms, 20s, 2m or a number of seconds)");
    }
    return *d;
}

duration positive_duration(const std::string& text) {
    const duration d = any_duration(text);
    if (d.count() <= 0) {
        throw bad_value("duration must be greater than zero, got " + in_quotes(text));
    }
    return d;
}

std::size_t message_size(const std::string& text) {
    const auto size = parse_size(text);
    if (!size) {
        throw bad_value("invalid size " + in_quotes(text) +
                        " (expected e.g. 65536, 64KiB or 1MiB)");
    }
    if (*size < min_max_message || *size > max_max_message) {
        throw bad_value("size " + in_quotes(text) + " out of range (" +
                        format_size(min_max_message) + " to " + format_size(max_max_message) + ")");
    }
    return static_cast<std::size_t>(*size);
}

unsigned whole_number(const std::string& text, unsigned min, unsigned max) {
    const std::string expected = " (expected a whole number from " + std::to_string(min) + " to " +
                                 std::to_string(max) + ")";
    unsigned value = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ptr != end || (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        throw bad_value("invalid number " + in_quotes(text) + expected);
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
        throw bad_value("number " + in_quotes(text) + " out of range" + expected);
    }
    return value;
}

// "a.b.c.d:port" or "[ipv6]:port", with numeric addresses only (no name resolution).
std::string address(const std::string& text) {
    if (parse_host_port(text)) {
        return text;
    }
    // A well-formed address whose only fault is a port over 65535 gets the narrower message.
    const auto colon = text.rfind(':');
    const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (digits && std::stoul(port) > 65535 && parse_host_port(text.substr(0, colon) + ":0")) {
        throw bad_value("invalid address " + in_quotes(text) + ": port must be 0 to 65535");
    }
    throw bad_value("invalid address " + in_quotes(text) +
                    " (expected host:port with an IPv4 address or a bracketed IPv6 address, "
                    "e.g. 127.0.0.1:8010 or [::1]:8010)");
}

// Only the spelling YAML and INI share: YAML 1.1 would also read yes/on, INI would not.
bool boolean(const std::string& text) {
    if (text == "true") {
        return true;
    }
    if (text == "false") {
        return false;
    }
    throw bad_value("invalid value " + in_quotes(text) + " (expected true or false)");
}

std::string level(const std::string& text) {
    for (const auto name : log_levels) {
        if (text == name) {
            return text;
        }
    }
    throw bad_value("invalid level " + in_quotes(text) +
                    " (expected debug, info, notice, warning or error)");
}

// ---- the settings ---------------------------------------------------------------------------

struct setting {
    std::string_view key;
    const char* value_name;
    bool list;
    const char* description;
    // The default as shown by --help.
    std::string (*default_text)(const daemon_config& defaults);
    // Converts and stores the values; throws bad_value. A list replaces the whole field.
    void (*apply)(daemon_config& config, const std::vector<std::string>& values);
};

const setting settings[] = {
    {"listen", "HOST:PORT", false, "Where masters connect (WebSocket).",
     [](const daemon_config& d) { return d.center.listen; },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.listen = address(single(v));
     }},
    {"admin.listen", "HOST:PORT", false, "Where the HTTP admin API listens.",
     [](const daemon_config& d) { return d.center.admin_listen; },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.admin_listen = address(single(v));
     }},
    {"admin.token", "TOKEN", false, "Admin API bearer token; empty allows only /healthz.",
     [](const daemon_config& d) {
         return d.center.admin_token.empty() ? std::string("empty") : d.center.admin_token;
     },
     [](daemon_config& c, const std::vector<std::string>& v) { c.center.admin_token = single(v); }},
    {"admin.metrics_public", "BOOL", false, "Serve GET /metrics without the admin token.",
     [](const daemon_config& d) {
         return std::string(d.center.admin_metrics_public ? "true" : "false");
     },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.admin_metrics_public = boolean(single(v));
     }},
    {"auth.token", "TOKEN", true, "A token masters may authenticate with; repeatable.",
     [](const daemon_config& d) {
         return d.center.auth_tokens.empty()
                    ? std::string("none")
                    : std::to_string(d.center.auth_tokens.size()) + " tokens";
     },
     [](daemon_config& c, const std::vector<std::string>& v) {
         for (const auto& token : v) {
             if (token.empty()) {
                 throw bad_value("empty token");
             }
         }
         c.center.auth_tokens = v;
     }},
    {"auth.timeout", "DURATION", false, "Time allowed from connect to a successful auth.",
     [](const daemon_config& d) { return format_duration(d.center.auth_timeout); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.auth_timeout = positive_duration(single(v));
     }},
    {"auth.max_failures", "N", false, "Failed auths before a connection is closed (>= 1).",
     [](const daemon_config& d) { return std::to_string(d.center.auth_max_failures); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.auth_max_failures = whole_number(single(v), 1, max_auth_failures);
     }},
    {"heartbeat.interval", "DURATION", false, "Ping a session silent for this long.",
     [](const daemon_config& d) { return format_duration(d.center.heartbeat_interval); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.heartbeat_interval = positive_duration(single(v));
     }},
    {"heartbeat.timeout", "DURATION", false, "Evict a session silent for this long.",
     [](const daemon_config&) { return std::string("2 x heartbeat.interval"); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.heartbeat_timeout = positive_duration(single(v));
     }},
    {"limits.max_message", "SIZE", false, "Largest message from a master (1KiB to 1GiB).",
     [](const daemon_config& d) { return format_size(d.center.max_message); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.max_message = message_size(single(v));
     }},
    {"streams.stall_timeout", "DURATION", false,
     "Fail a stream whose reader took nothing for this long.",
     [](const daemon_config& d) { return format_duration(d.center.stream_stall_timeout); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.stream_stall_timeout = positive_duration(single(v));
     }},
    {"jobs.history", "N", false, "Finished jobs kept for GET /v1/jobs (1 to 100000).",
     [](const daemon_config& d) { return std::to_string(d.center.job_history); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.job_history = whole_number(single(v), 1, 100000);
     }},
    {"events.history", "N", false, "Events kept for watchers resuming with since (1 to 1000000).",
     [](const daemon_config& d) { return std::to_string(d.center.event_history); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.event_history = whole_number(single(v), 1, 1000000);
     }},
    {"events.watcher_queue", "N", false,
     "Events a watcher may fall behind before it is cut (1 to 1000000).",
     [](const daemon_config& d) { return std::to_string(d.center.event_watcher_queue); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.event_watcher_queue = whole_number(single(v), 1, 1000000);
     }},
    {"shutdown.reconnect_window", "DURATION", false,
     "On shutdown, masters are asked to come back within this window, each at a random time; "
     "0 asks nothing.",
     [](const daemon_config& d) { return format_duration(d.center.shutdown_reconnect_window); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         const duration window = any_duration(single(v));
         if (window.count() < 0 || window > std::chrono::hours(1)) {
             throw bad_value("must be from 0 to 1h, got " + in_quotes(single(v)));
         }
         c.center.shutdown_reconnect_window = window;
     }},
    {"cluster.peers", "URL", true,
     "Another center, ws://HOST:PORT, that masters are told to join too; repeatable.",
     [](const daemon_config& d) {
         return d.center.cluster_peers.empty()
                    ? std::string("none")
                    : std::to_string(d.center.cluster_peers.size()) + " peers";
     },
     [](daemon_config& c, const std::vector<std::string>& v) {
         for (const auto& url : v) {
             if (!proto::parse_center_url(url)) {
                 throw bad_value(
                     in_quotes(url) +
                     " is not a center URL (ws://HOST:PORT or ws://HOST:PORT/v1/master)");
             }
         }
         c.center.cluster_peers = v;
     }},
    {"log.level", "LEVEL", false, "Minimum level: debug, info, notice, warning, error.",
     [](const daemon_config& d) { return d.log_level; },
     [](daemon_config& c, const std::vector<std::string>& v) { c.log_level = level(single(v)); }},
    {"log.sink", "SINK", false,
     "Where the log goes: auto (the journal when stderr is connected to it), console, journal.",
     [](const daemon_config& d) { return d.log_sink; },
     [](daemon_config& c, const std::vector<std::string>& v) {
         const std::string& text = single(v);
         if (text != "auto" && text != "console" && text != "journal") {
             throw bad_value("invalid sink " + in_quotes(text) +
                             " (expected auto, console or journal)");
         }
         c.log_sink = text;
     }},
    {"log.journal_socket", "PATH", false, "The journal's socket (for tests).",
     [](const daemon_config& d) { return d.journal_socket; },
     [](daemon_config& c, const std::vector<std::string>& v) {
         const std::string& text = single(v);
         if (text.empty() || text.size() > 107) {
             throw bad_value("a socket path must have 1 to 107 bytes");
         }
         c.journal_socket = text;
     }},
    {"audit.file", "PATH", false,
     "Append a JSON line per admin change and per job to this file; empty: none.",
     [](const daemon_config& d) {
         return d.center.audit_file.empty() ? std::string("none") : d.center.audit_file;
     },
     [](daemon_config& c, const std::vector<std::string>& v) { c.center.audit_file = single(v); }},
    {"audit.log_jobs_per_second", "N", false,
     "Finished jobs a second whose audit entry is also logged; 0: none.",
     [](const daemon_config& d) { return std::to_string(d.center.audit_log_jobs_per_second); },
     [](daemon_config& c, const std::vector<std::string>& v) {
         c.center.audit_log_jobs_per_second = whole_number(single(v), 0, max_audit_copies);
     }},
};

const setting* find_setting(std::string_view key) {
    for (const auto& s : settings) {
        if (s.key == key) {
            return &s;
        }
    }
    return nullptr;
}

// "heartbeat" is a section: a prefix of keys ("heartbeat.interval", ...).
bool is_section(std::string_view name) {
    for (const auto& s : settings) {
        if (s.key.size() > name.size() && s.key.substr(0, name.size()) == name &&
            s.key[name.size()] == '.') {
            return true;
        }
    }
    return false;
}

// The descriptions: the settings (flags and file keys) and the command-line-only actions.
struct descriptions {
    po::options_description actions{"Actions (command line only)", 110, 50};
    po::options_description settings_desc{
        "Settings (flag --KEY=VALUE, or KEY in the config file; defaults in brackets)", 110, 50};
    po::options_description all{110, 50};

    descriptions() {
        actions.add_options()                                                                 //
            ("config,c", po::value<std::string>()->value_name("FILE"),                        //
             "Read settings from FILE: YAML (.yaml, .yml) or INI (.ini, .conf).")             //
            ("check-config", "Validate the configuration, then exit: 0 if valid, 2 if not.")  //
            ("help,h", "Print this help and exit.")                                           //
            ("version", "Print the version and exit.");
        const daemon_config defaults;
        for (const auto& s : settings) {
            const std::string text =
                std::string(s.description) + " [" + s.default_text(defaults) + "]";
            po::value_semantic* semantic =
                s.list ? static_cast<po::value_semantic*>(
                             po::value<std::vector<std::string>>()->value_name(s.value_name))
                       : po::value<std::string>()->value_name(s.value_name);
            settings_desc.add_options()(std::string(s.key).c_str(), semantic, text.c_str());
        }
        all.add(actions).add(settings_desc);
    }
};

// ---- sources --------------------------------------------------------------------------------

// Rejects a scalar key given twice within one source and any invalid value.
void check_entries(const std::vector<entry>& entries) {
    std::map<std::string, std::string, std::less<>> seen;
    for (const auto& e : entries) {
        const setting& s = *find_setting(e.key);
        if (!s.list) {
            const auto [it, inserted] = seen.emplace(e.key, e.where);
            if (!inserted) {
                const std::string first = it->second.empty() || it->second == e.where
                                              ? ""
                                              : " (first at " + it->second + ")";
                fail_key(e.where, e.key, "given more than once" + first);
            }
        }
        daemon_config scratch;
        try {
            s.apply(scratch, e.values);
        } catch (const bad_value& problem) {
            fail_key(e.where, e.key, problem.what());
        }
    }
}

po::parsed_options to_parsed(const std::vector<entry>& entries,
                             const po::options_description& desc) {
    po::parsed_options parsed(&desc);
    for (const auto& e : entries) {
        po::option option;
        option.string_key = e.key;
        option.value = e.values;
        option.original_tokens = {e.key};
        parsed.options.push_back(std::move(option));
    }
    return parsed;
}

struct file_closer {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::string read_file(const std::string& path) {
    const std::unique_ptr<std::FILE, file_closer> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        fail(path, std::string("cannot open config file: ") + std::strerror(errno));
    }
    std::string text;
    char buffer[8192];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, n);
    }
    if (std::ferror(file.get())) {
        fail(path, std::string("cannot read config file: ") + std::strerror(errno));
    }
    return text;
}

// -- YAML

std::string at(const std::string& path, const YAML::Mark& mark) {
    return mark.line >= 0 ? path + ":" + std::to_string(mark.line + 1) : path;
}

const char* kind_name(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Sequence:
            return "a sequence";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Scalar:
            return "a single value";
        default:
            return "no value";
    }
}

class yaml_reader {
  public:
    explicit yaml_reader(const std::string& path) : path_(path) {}

    std::vector<entry> read(const std::string& text) {
        std::vector<YAML::Node> documents;
        try {
            documents = YAML::LoadAll(text);
        } catch (const YAML::Exception& e) {
            fail(at(path_, e.mark), "YAML syntax error: " + e.msg);
        }
        for (std::size_t i = 1; i < documents.size(); ++i) {
            if (!documents[i].IsNull()) {
                fail(at(path_, documents[i].Mark()), "only one YAML document is allowed");
            }
        }
        if (documents.empty() || documents.front().IsNull()) {
            return {};
        }
        const YAML::Node& root = documents.front();
        if (!root.IsMap()) {
            fail(at(path_, root.Mark()),
                 std::string("expected a mapping of keys (e.g. \"listen: 127.0.0.1:8010\"), got ") +
                     kind_name(root));
        }
        walk(root, "");
        return std::move(entries_);
    }

  private:
    // Where a value is; for an empty value, where its key is (yaml-cpp puts it at the next token).
    std::string where(const YAML::Node& value, const YAML::Node& key) const {
        return at(path_, !value.IsNull() && value.Mark().line >= 0 ? value.Mark() : key.Mark());
    }

    void walk(const YAML::Node& map, const std::string& prefix) {
        for (const auto& item : map) {
            const YAML::Node& key = item.first;
            const YAML::Node& value = item.second;
            if (!key.IsScalar()) {
                fail(at(path_, key.Mark()),
                     (prefix.empty() ? std::string("a key")
                                     : "a key in " + prefix.substr(0, prefix.size() - 1)) +
                         " is " + kind_name(key) + ", expected a name");
            }
            const std::string name = prefix + key.Scalar();
            if (const setting* s = find_setting(name)) {
                add(*s, key, value);
            } else if (is_section(name)) {
                if (value.IsMap()) {
                    walk(value, name + ".");
                } else if (!value.IsNull()) {
                    fail_key(where(value, key), name,
                             std::string("expected a mapping of keys (e.g. \"") + name +
                                 ":\" followed by indented keys), got " + kind_name(value));
                }
            } else {
                fail(at(path_, key.Mark()), "unknown key " + in_quotes(name));
            }
        }
    }

    void add(const setting& s, const YAML::Node& key, const YAML::Node& value) {
        const std::string name(s.key);
        if (value.IsScalar()) {
            entries_.push_back({name, {value.Scalar()}, where(value, key)});
        } else if (s.list && value.IsSequence()) {
            if (value.size() == 0) {
                entries_.push_back({name, {}, where(value, key)});
            }
            for (const auto& element : value) {
                if (!element.IsScalar()) {
                    fail_key(where(element, key), name,
                             std::string("expected a list of single values, got ") +
                                 kind_name(element) + " in it");
                }
                entries_.push_back({name, {element.Scalar()}, where(element, key)});
            }
        } else {
            fail_key(where(value, key), name,
                     std::string(s.list ? "expected a value or a list of values"
                                        : "expected a single value") +
                         ", got " + kind_name(value));
        }
    }

    const std::string& path_;
    std::vector<entry> entries_;
};

// -- INI

std::vector<entry> read_ini(const std::string& path, const std::string& text,
                            const po::options_description& desc) {
    std::istringstream in(text);
    const po::parsed_options parsed = [&] {
        try {
            return po::parse_config_file(in, desc, true);
        } catch (const po::error& e) {
            fail(path, e.what());
        }
    }();
    std::vector<entry> entries;
    for (const auto& option : parsed.options) {
        if (option.unregistered) {
            fail(path, "unknown key " + in_quotes(option.string_key));
        }
        entries.push_back({option.string_key, option.value, path});
    }
    return entries;
}

std::vector<entry> read_config_file(const std::string& path, const po::options_description& desc) {
    std::string extension = std::filesystem::path(path).extension().string();
    for (auto& c : extension) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const bool yaml = extension == ".yaml" || extension == ".yml";
    const bool ini = extension == ".ini" || extension == ".conf";
    if (!yaml && !ini) {
        fail(path, "unsupported config file extension " + in_quotes(extension) +
                       " (expected .yaml or .yml for YAML, .ini or .conf for INI)");
    }
    const std::string text = read_file(path);
    return yaml ? yaml_reader(path).read(text) : read_ini(path, text, desc);
}

// -- command line

po::parsed_options parse_command_line(const std::vector<std::string>& original,
                                      const descriptions& desc) {
    // Program_options refuses "--key=" (an empty adjacent value) but takes "--key" "": rewrite
    // the former into the latter so that e.g. --admin.token= clears the file's token.
    std::vector<std::string> args;
    for (const auto& arg : original) {
        if (arg.size() > 3 && arg.starts_with("--") && arg.find('=') == arg.size() - 1) {
            args.push_back(arg.substr(0, arg.size() - 1));
            args.emplace_back();
        } else {
            args.push_back(arg);
        }
    }
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::parsed_options parsed = [&] {
        try {
            return po::command_line_parser(args)
                .options(desc.all)
                .style(style)
                .allow_unregistered()
                .run();
        } catch (const po::error& e) {
            fail("command line", e.what());
        }
    }();
    for (const auto& option : parsed.options) {
        if (option.string_key.empty()) {
            fail("command line", "unexpected argument " +
                                     in_quotes(option.value.empty() ? "" : option.value.front()));
        }
        if (option.unregistered) {
            std::string name =
                option.original_tokens.empty() ? option.string_key : option.original_tokens.front();
            name = name.substr(0, name.find('='));
            fail(name, "unknown option (see --help)");
        }
    }
    return parsed;
}

bool has(const po::parsed_options& parsed, std::string_view key) {
    for (const auto& option : parsed.options) {
        if (option.string_key == key) {
            return true;
        }
    }
    return false;
}

}  // namespace

loaded_config load_config(const std::vector<std::string>& args) {
    const descriptions desc;
    const po::parsed_options command_line = parse_command_line(args, desc);
    if (has(command_line, "help")) {
        return {config_action::help, {}};
    }
    if (has(command_line, "version")) {
        return {config_action::version, {}};
    }

    // The command line's settings, then the file's: each validated on its own.
    std::vector<entry> flags;
    int config_flags = 0;
    for (const auto& option : command_line.options) {
        if (option.string_key == "config" && ++config_flags > 1) {
            fail("--config", "given more than once");
        }
        if (find_setting(option.string_key)) {
            flags.push_back({option.string_key, option.value, ""});
        }
    }
    check_entries(flags);

    po::variables_map vm;
    try {
        po::store(command_line, vm);
    } catch (const po::error& e) {
        fail("command line", e.what());
    }

    loaded_config result;
    result.action =
        has(command_line, "check-config") ? config_action::check_config : config_action::run;
    std::vector<entry> file_entries;
    if (vm.count("config")) {
        result.config.config_file = vm["config"].as<std::string>();
        if (result.config.config_file.empty()) {
            fail("--config", "empty file name");
        }
        file_entries = read_config_file(result.config.config_file, desc.settings_desc);
        check_entries(file_entries);
        try {
            po::store(to_parsed(file_entries, desc.settings_desc), vm);
        } catch (const po::error& e) {
            fail(result.config.config_file, e.what());
        }
    }
    po::notify(vm);

    // Where each key's winning value came from: the first source (in precedence order) with it.
    std::map<std::string, std::string, std::less<>> origin;
    for (const auto* source : {&flags, &file_entries}) {
        for (const auto& e : *source) {
            origin.emplace(e.key, e.where);
        }
    }

    daemon_config& config = result.config;
    for (const auto& s : settings) {
        const std::string key(s.key);
        if (!vm.count(key)) {
            continue;
        }
        const auto values = s.list ? vm[key].as<std::vector<std::string>>()
                                   : std::vector<std::string>{vm[key].as<std::string>()};
        try {
            s.apply(config, values);
        } catch (const bad_value& problem) {
            fail_key(origin[key], key, problem.what());
        }
    }

    auto& center = config.center;
    if (!vm.count("heartbeat.timeout")) {
        center.heartbeat_timeout = 2 * center.heartbeat_interval;
    } else if (center.heartbeat_timeout <= center.heartbeat_interval) {
        fail_key(origin["heartbeat.timeout"], "heartbeat.timeout",
                 format_duration(center.heartbeat_timeout) +
                     " must be greater than heartbeat.interval (" +
                     format_duration(center.heartbeat_interval) + ")");
    }
    return result;
}

std::string config_help() {
    const descriptions desc;
    std::ostringstream out;
    out << "Usage: regcenterd [--config FILE] [--KEY=VALUE ...]\n"
           "       regcenterd --check-config [--config FILE] [--KEY=VALUE ...]\n"
           "\n"
           "The service registration center daemon. Each setting comes from, highest first: its\n"
           "flag, the config file, the default. A key is the same everywhere: the YAML\n"
           "\"heartbeat: {interval: 20s}\" is the INI \"[heartbeat]\" / \"interval = 20s\" is the\n"
           "flag --heartbeat.interval=20s. A list key (auth.token) is a YAML sequence, a repeated\n"
           "INI key or a repeated flag; given as a flag, it replaces the file's whole list.\n"
           "\n"
           "DURATION: 500ms, 20s, 2m, 1h or a number of seconds, greater than zero.\n"
           "SIZE: a number of bytes, or e.g. 64KiB, 1MiB.\n"
           "HOST:PORT: an IPv4 address or a bracketed IPv6 one ([::1]:8010); port 0 picks a free "
           "port.\n"
           "An empty admin.token refuses every admin request except /healthz; without any\n"
           "auth.token no master can authenticate. heartbeat.timeout must exceed "
           "heartbeat.interval.\n"
           "\n"
        << desc.actions << "\n"
        << desc.settings_desc;
    return out.str();
}

}  // namespace regcenter
