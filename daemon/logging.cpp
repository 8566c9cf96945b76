// Boost.Log plumbing: a severity logger, a console sink and a formatter that appends the fields,
// or the journal sink (journal_sink.hpp) instead of the console.
#include "logging.hpp"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <span>

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/utility/formatting_ostream.hpp>

#include "journal_sink.hpp"
#include "log_record.hpp"
#include "regcenter/common/time_format.hpp"

namespace regcenter::logging {
namespace bl = boost::log;
namespace {

// Filtering by an atomic instead of a Boost.Log filter keeps disabled levels nearly free and
// lets SIGHUP change the level without touching the sink.
std::atomic<int> g_min_level{static_cast<int>(level::info)};
std::once_flag g_init_once;
// The journal sink's backend once installed (it lives as long as the core holds the sink), for
// dropped_records().
std::atomic<const journal_backend*> g_journal{nullptr};

using detail::field_list;

const char* level_name(level l) {
    switch (l) {
        case level::error:
            return "error";
        case level::warning:
            return "warning";
        case level::notice:
            return "notice";
        case level::info:
            return "info";
        case level::debug:
            return "debug";
    }
    return "?";
}

// Values are quoted only when they need it, so common lines stay easy to read and grep.
void append_value(std::string& out, std::string_view value) {
    const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
        return c == ' ' || c == '"' || c == '=' || c == '\t' || c == '\n';
    });
    if (plain) {
        out += value;
        return;
    }
    out += '"';
    for (char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += (c == '\n') ? ' ' : c;
    }
    out += '"';
}

void format_record(const bl::record_view& rec, bl::formatting_ostream& out) {
    const auto sev = bl::extract<level>(detail::severity_attribute, rec);
    const auto fields = bl::extract<field_list>(detail::fields_attribute, rec);
    std::string line = format_rfc3339(std::chrono::system_clock::now());
    line += ' ';
    line += sev ? level_name(*sev) : "info";
    line += ' ';
    if (const auto message = bl::extract<std::string>(detail::message_attribute, rec)) {
        line += *message;
    }
    if (fields) {
        for (std::size_t i = 0; i < fields->size(); ++i) {
            line += ' ';
            line += fields->key(i);
            line += '=';
            append_value(line, fields->value(i));
        }
    }
    // The newline is part of the record, so the backend writes each line with one write(2)
    // (its own inserted newline would be a second one on the unbuffered stderr).
    line += '\n';
    out << line;
}

bl::sources::severity_logger_mt<level>& logger() {
    static bl::sources::severity_logger_mt<level> instance;
    return instance;
}

void add_console_sink() {
    using backend_t = bl::sinks::text_ostream_backend;
    auto backend = boost::make_shared<backend_t>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<bl::sinks::synchronous_sink<backend_t>>(backend);
    sink->set_formatter(&format_record);
    bl::core::get()->add_sink(sink);
}

// Exactly one sink, chosen by the first call: init()'s output, or the console (nullptr) when a
// record comes first.
void install_sink(const output* out) {
    std::call_once(g_init_once, [out] {
        if (out != nullptr && out->kind == sink::journal) {
            auto backend = boost::make_shared<journal_backend>(out->journal_socket);
            g_journal.store(backend.get());
            bl::core::get()->add_sink(
                boost::make_shared<bl::sinks::synchronous_sink<journal_backend>>(backend));
        } else {
            add_console_sink();
        }
    });
}

void write_record(level lvl, std::string_view message, std::span<const field> fields) {
    if (static_cast<int>(lvl) > g_min_level.load(std::memory_order_relaxed)) {
        return;
    }
    install_sink(nullptr);  // embedders and tests that never called init() get the console
    auto& lg = logger();
    bl::record rec = lg.open_record(bl::keywords::severity = lvl);
    if (!rec) {
        return;
    }
    if (fields.size() != 0) {
        field_list list;
        std::size_t bytes = 0;
        for (const field& f : fields) {
            bytes += f.key.size() + f.value.size();
        }
        list.reserve(fields.size(), bytes);
        for (const field& f : fields) {
            list.add(f.key, f.value);
        }
        rec.attribute_values().insert(detail::fields_attribute,
                                      bl::attributes::make_attribute_value(std::move(list)));
    }
    // The message as the attribute a record_ostream would make, without building a stream.
    rec.attribute_values().insert(detail::message_attribute,
                                  bl::attributes::make_attribute_value(std::string(message)));
    lg.push_record(std::move(rec));
}

}  // namespace

void init(level min_level, const output& out) {
    set_level(min_level);
    install_sink(&out);
}

std::uint64_t dropped_records() {
    const journal_backend* journal = g_journal.load();
    return journal != nullptr ? journal->dropped() : 0;
}

void set_level(level min_level) {
    g_min_level.store(static_cast<int>(min_level));
}

std::optional<level> parse_level(std::string_view name) {
    for (level l : {level::error, level::warning, level::notice, level::info, level::debug}) {
        if (name == level_name(l)) {
            return l;
        }
    }
    return std::nullopt;
}

void write(level lvl, std::string_view message, std::initializer_list<field> fields) {
    write_record(lvl, message, std::span<const field>(fields.begin(), fields.size()));
}

void write(level lvl, std::string_view message, std::span<const field> fields) {
    write_record(lvl, message, fields);
}

}  // namespace regcenter::logging
