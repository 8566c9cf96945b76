// The journal sink: field names, the native protocol's two field forms, records sent through
// Boost.Log to a datagram socket the test binds, large entries in a memfd, a missing or full
// journal, and the choice of sink by log.sink and JOURNAL_STREAM.
#include "journal_sink.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/log/core.hpp>
#include <boost/log/sinks/sync_frontend.hpp>

#include "logging.hpp"
#include "support/journal_reader.hpp"

namespace regcenter::logging {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using entry = test::journal_entry;
using test::parse_journal_entry;

// The value of the only field `name`; fails the test if there isn't exactly one.
std::string field(const entry& e, const std::string& name) {
    std::optional<std::string> value;
    for (const auto& [k, v] : e) {
        if (k == name) {
            EXPECT_FALSE(value.has_value()) << name << " appears twice";
            value = v;
        }
    }
    EXPECT_TRUE(value.has_value()) << "no field " << name;
    return value.value_or("");
}

bool valid_journal_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (char c : name) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

// A journal sink in Boost.Log's core for the duration of a test, at level debug.
class journal_sink_test : public ::testing::Test {
  protected:
    void SetUp() override {
        backend_ = boost::make_shared<journal_backend>(journal_.path());
        sink_ = boost::make_shared<boost::log::sinks::synchronous_sink<journal_backend>>(backend_);
        boost::log::core::get()->add_sink(sink_);
        set_level(level::debug);
    }
    void TearDown() override {
        boost::log::core::get()->remove_sink(sink_);
        set_level(level::info);
    }

    // The next entry whose MESSAGE is `message`, skipping others.
    entry next_with_message(const std::string& message) {
        for (;;) {
            auto data = journal_.receive(5s);
            if (!data) {
                ADD_FAILURE() << "no entry with MESSAGE=" << message;
                return {};
            }
            entry e = parse_journal_entry(*data);
            for (const auto& [k, v] : e) {
                if (k == "MESSAGE" && v == message) {
                    return e;
                }
            }
        }
    }

    test::journal_socket journal_;
    boost::shared_ptr<journal_backend> backend_;
    boost::shared_ptr<boost::log::sinks::synchronous_sink<journal_backend>> sink_;
};

TEST(journal_field_name, keeps_valid_names_and_sanitizes_others) {
    EXPECT_EQ(journal_field_name("SESSION_ID"), "SESSION_ID");
    EXPECT_EQ(journal_field_name("session_id"), "SESSION_ID");
    EXPECT_EQ(journal_field_name("Remote-Addr"), "REMOTE_ADDR");
    EXPECT_EQ(journal_field_name("a=b"), "A_B");
    EXPECT_EQ(journal_field_name("x.y z\n"), "X_Y_Z_");
    EXPECT_EQ(journal_field_name("_PID"), "PID");  // no trusted field can be forged
    EXPECT_EQ(journal_field_name("__"), "FIELD_");
    EXPECT_EQ(journal_field_name(""), "FIELD_");
    EXPECT_EQ(journal_field_name("1ST"), "FIELD_1ST");
    EXPECT_EQ(journal_field_name("\xc3\xa9"), "FIELD_");  // "é": two bytes, neither allowed
    EXPECT_EQ(journal_field_name(std::string(100, 'k')), std::string(64, 'K'));
    for (const char* key : {"session_id", "a=b", "_PID", "", "1ST", "\xc3\xa9", "x\ny"}) {
        EXPECT_TRUE(valid_journal_name(journal_field_name(key))) << key;
    }
}

TEST(journal_entry, text_and_binary_fields_round_trip) {
    const std::string entry_text = encode_journal_entry(
        level::warning, "two\nlines", {{"plain", "a=b=c"}, {"MULTI", "x\ny\n"}, {"EMPTY", ""}});
    // The text form is exactly NAME=value\n; the binary one carries the size.
    EXPECT_NE(entry_text.find("PRIORITY=4\n"), std::string::npos);
    EXPECT_NE(entry_text.find("SYSLOG_IDENTIFIER=regcenterd\n"), std::string::npos);
    EXPECT_NE(entry_text.find("PLAIN=a=b=c\n"), std::string::npos);
    EXPECT_NE(entry_text.find(std::string("MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\n", 26)),
              std::string::npos);
    const entry e = parse_journal_entry(entry_text);
    EXPECT_EQ(field(e, "MESSAGE"), "two\nlines");
    EXPECT_EQ(field(e, "PLAIN"), "a=b=c");
    EXPECT_EQ(field(e, "MULTI"), "x\ny\n");
    EXPECT_EQ(field(e, "EMPTY"), "");
    EXPECT_EQ(e.size(), 6u);
}

TEST(journal_entry, record_fields_cannot_override_the_entry_s_own) {
    const entry e = parse_journal_entry(encode_journal_entry(
        level::info, "m", {{"priority", "0"}, {"MESSAGE", "forged"}, {"syslog_identifier", "x"}}));
    EXPECT_EQ(field(e, "PRIORITY"), "6");
    EXPECT_EQ(field(e, "MESSAGE"), "m");
    EXPECT_EQ(field(e, "SYSLOG_IDENTIFIER"), "regcenterd");
    EXPECT_EQ(field(e, "FIELD_PRIORITY"), "0");
    EXPECT_EQ(field(e, "FIELD_MESSAGE"), "forged");
    EXPECT_EQ(field(e, "FIELD_SYSLOG_IDENTIFIER"), "x");
}

TEST_F(journal_sink_test, each_record_is_one_datagram_with_its_fields) {
    logging::info("master authenticated", {{"SESSION_ID", "0123abcd"},
                                           {"MASTER_NAME", "web-1"},
                                           {"REMOTE_ADDR", "127.0.0.1:5000"},
                                           {"EVENT", "auth-success"},
                                           {"query", "a=1&b=2"},
                                           {"x=y", "z"}});
    const entry e = next_with_message("master authenticated");
    EXPECT_EQ(field(e, "PRIORITY"), "6");
    EXPECT_EQ(field(e, "SYSLOG_IDENTIFIER"), "regcenterd");
    EXPECT_EQ(field(e, "SESSION_ID"), "0123abcd");
    EXPECT_EQ(field(e, "MASTER_NAME"), "web-1");
    EXPECT_EQ(field(e, "REMOTE_ADDR"), "127.0.0.1:5000");
    EXPECT_EQ(field(e, "EVENT"), "auth-success");
    EXPECT_EQ(field(e, "QUERY"), "a=1&b=2");
    EXPECT_EQ(field(e, "X_Y"), "z");
    for (const auto& [name, value] : e) {
        EXPECT_TRUE(valid_journal_name(name)) << name;
    }
    EXPECT_EQ(backend_->dropped(), 0u);
}

TEST_F(journal_sink_test, priority_is_the_syslog_severity) {
    logging::error("sev error");
    logging::warning("sev warning");
    logging::notice("sev notice");
    logging::info("sev info");
    logging::debug("sev debug");
    EXPECT_EQ(field(next_with_message("sev error"), "PRIORITY"), "3");
    EXPECT_EQ(field(next_with_message("sev warning"), "PRIORITY"), "4");
    EXPECT_EQ(field(next_with_message("sev notice"), "PRIORITY"), "5");
    EXPECT_EQ(field(next_with_message("sev info"), "PRIORITY"), "6");
    EXPECT_EQ(field(next_with_message("sev debug"), "PRIORITY"), "7");
}

TEST_F(journal_sink_test, the_level_filter_applies) {
    set_level(level::warning);
    logging::info("filtered out");
    logging::warning("let through");
    // Entries arrive in order: the info one would have come first.
    auto data = journal_.receive(5s);
    ASSERT_TRUE(data);
    EXPECT_EQ(field(parse_journal_entry(*data), "MESSAGE"), "let through");
}

TEST_F(journal_sink_test, multi_line_messages_and_values_use_the_binary_form) {
    logging::warning("first line\nsecond line", {{"DETAIL", "a\nb"}, {"SESSION_ID", "s1"}});
    const entry e = next_with_message("first line\nsecond line");
    EXPECT_EQ(field(e, "DETAIL"), "a\nb");
    EXPECT_EQ(field(e, "SESSION_ID"), "s1");
    EXPECT_EQ(field(e, "PRIORITY"), "4");
}

TEST_F(journal_sink_test, an_entry_too_big_for_a_datagram_goes_in_a_sealed_memfd) {
    // Far over the datagram limit of a socket with the default buffer sizes.
    const std::string big(3u << 20, 'x');
    logging::info("big entry", {{"BLOB", big}, {"SESSION_ID", "s2"}});
    bool via_memfd = false;
    bool sealed = false;
    auto data = journal_.receive(5s, &via_memfd, &sealed);
    ASSERT_TRUE(data);
    EXPECT_TRUE(via_memfd);
    EXPECT_TRUE(sealed);
    const entry e = parse_journal_entry(*data);
    EXPECT_EQ(field(e, "MESSAGE"), "big entry");
    EXPECT_EQ(field(e, "BLOB").size(), big.size());
    EXPECT_EQ(field(e, "SESSION_ID"), "s2");
    EXPECT_EQ(backend_->dropped(), 0u);
    EXPECT_EQ(backend_->sent(), 1u);
}

TEST(journal_backend, without_a_journal_records_are_dropped_counted_and_reported_once) {
    const std::string missing =
        (fs::temp_directory_path() / ("rc-no-journal-" + std::to_string(::getpid()) + ".sock"))
            .string();
    fs::remove(missing);
    journal_backend backend(missing);
    ::testing::internal::CaptureStderr();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(backend.send(encode_journal_entry(level::info, "lost", {})));
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(backend.dropped(), 3u);
    EXPECT_EQ(backend.sent(), 0u);
    EXPECT_LT(elapsed, journal_backend::max_send_wait);  // nothing to wait for
    const auto first = err.find("cannot send log records to the journal at " + missing);
    EXPECT_NE(first, std::string::npos) << err;
    EXPECT_EQ(err.find("cannot send", first + 1), std::string::npos) << err;

    // A journal that appears later is used from then on.
    test::journal_socket late;
    journal_backend with_journal(late.path());
    EXPECT_TRUE(with_journal.send(encode_journal_entry(level::info, "found", {})));
    auto data = late.receive(5s);
    ASSERT_TRUE(data);
    EXPECT_EQ(field(parse_journal_entry(*data), "MESSAGE"), "found");
}

TEST(journal_backend, a_journal_that_does_not_read_costs_one_bounded_wait_then_drops) {
    test::journal_socket journal;
    journal_backend backend(journal.path());
    ::testing::internal::CaptureStderr();
    // Fill the journal's queue until a send gives up.
    int sent = 0;
    const std::string entry_text = encode_journal_entry(level::info, "filler", {});
    while (sent < 100000 && backend.send(entry_text)) {
        ++sent;
    }
    ASSERT_LT(sent, 100000) << "the queue never filled";
    EXPECT_EQ(backend.dropped(), 1u);
    // While it stays full, further records are dropped without waiting again.
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(backend.send(entry_text));
    EXPECT_LT(std::chrono::steady_clock::now() - start, journal_backend::max_send_wait);
    EXPECT_EQ(backend.dropped(), 2u);
    ::testing::internal::GetCapturedStderr();

    // Once the journal reads again, records get through.
    EXPECT_EQ(journal.drain(), static_cast<std::size_t>(sent));
    EXPECT_TRUE(backend.send(encode_journal_entry(level::info, "again", {})));
    auto data = journal.receive(5s);
    ASSERT_TRUE(data);
    EXPECT_EQ(field(parse_journal_entry(*data), "MESSAGE"), "again");
    EXPECT_EQ(backend.dropped(), 2u);
}

TEST(journal_backend, reconnects_to_a_journal_that_restarted) {
    auto journal = std::make_unique<test::journal_socket>();
    const std::string path = journal->path();
    journal_backend backend(path);
    EXPECT_TRUE(backend.send(encode_journal_entry(level::info, "before", {})));
    ASSERT_TRUE(journal->receive(5s));
    journal.reset();  // journald stops; a new one binds the same path
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    EXPECT_TRUE(backend.send(encode_journal_entry(level::info, "after", {})));
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1);
    char buffer[256];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0);
    EXPECT_EQ(field(parse_journal_entry(std::string_view(buffer, static_cast<std::size_t>(n))),
                    "MESSAGE"),
              "after");
    ::close(fd);
    ::unlink(path.c_str());
    EXPECT_EQ(backend.dropped(), 0u);
}

// ---- log.sink: auto --------------------------------------------------------------------------

TEST(journal_stream, matches_only_the_exact_device_and_inode) {
    EXPECT_TRUE(journal_stream_matches("12:34", {12, 34}));
    EXPECT_TRUE(journal_stream_matches("18446744073709551615:1", {18446744073709551615u, 1}));
    EXPECT_FALSE(journal_stream_matches("12:34", {12, 35}));
    EXPECT_FALSE(journal_stream_matches("12:34", {13, 34}));
    for (const char* bad : {"", ":", "12", "12:", ":34", "12:34x", "12:34:56", " 12:34", "-1:34",
                            "0x0c:34", "18446744073709551616:34"}) {
        EXPECT_FALSE(journal_stream_matches(bad, {12, 34})) << bad;
    }
}

TEST(choose_sink, follows_the_setting_and_for_auto_journal_stream) {
    const file_identity stderr_id{2049, 777};
    EXPECT_EQ(choose_sink("console", "2049:777", stderr_id), sink::console);
    EXPECT_EQ(choose_sink("journal", nullptr, std::nullopt), sink::journal);
    EXPECT_EQ(choose_sink("auto", "2049:777", stderr_id), sink::journal);
    EXPECT_EQ(choose_sink("auto", nullptr, stderr_id), sink::console);
    // stderr redirected elsewhere (a pipe, a file): the variable is inherited but stale.
    EXPECT_EQ(choose_sink("auto", "2049:778", stderr_id), sink::console);
    EXPECT_EQ(choose_sink("auto", "2049:777", std::nullopt), sink::console);
    EXPECT_EQ(choose_sink("syslog", nullptr, std::nullopt), std::nullopt);
}

TEST(choose_sink, auto_reads_journal_stream_and_stderr) {
    struct stat st {};
    ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
    const char* saved = std::getenv("JOURNAL_STREAM");
    const std::optional<std::string> before =
        saved ? std::optional<std::string>(saved) : std::nullopt;

    const std::string mine = std::to_string(static_cast<std::uint64_t>(st.st_dev)) + ":" +
                             std::to_string(static_cast<std::uint64_t>(st.st_ino));
    ASSERT_EQ(::setenv("JOURNAL_STREAM", mine.c_str(), 1), 0);
    EXPECT_EQ(choose_sink("auto"), sink::journal);
    EXPECT_EQ(choose_sink("console"), sink::console);
    const std::string other = std::to_string(static_cast<std::uint64_t>(st.st_dev)) + ":" +
                              std::to_string(static_cast<std::uint64_t>(st.st_ino) + 1);
    ASSERT_EQ(::setenv("JOURNAL_STREAM", other.c_str(), 1), 0);
    EXPECT_EQ(choose_sink("auto"), sink::console);
    ASSERT_EQ(::unsetenv("JOURNAL_STREAM"), 0);
    EXPECT_EQ(choose_sink("auto"), sink::console);
    EXPECT_EQ(choose_sink("journal"), sink::journal);

    if (before) {
        ::setenv("JOURNAL_STREAM", before->c_str(), 1);
    }
}

}  // namespace
}  // namespace regcenter::logging
