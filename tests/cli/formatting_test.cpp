// Tables and the text regcenterctl makes of API values. No daemon needed.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "display.hpp"
#include "results.hpp"
#include "table.hpp"

namespace regcenter::ctl {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

TEST(table, aligns_columns_with_two_spaces_and_no_trailing_blanks) {
    table t({"ID", "NAME", "OUTPUT"});
    t.add_row({"a1", "web-1", "hello"});
    t.add_row({"b22222", "x", ""});
    t.add_row({"c"});
    EXPECT_EQ(t.render(),
              "ID      NAME   OUTPUT\n"
              "a1      web-1  hello\n"
              "b22222  x\n"
              "c\n");
    EXPECT_EQ(t.rows(), 3u);
    EXPECT_THROW(t.add_row({"1", "2", "3", "4"}), std::invalid_argument);
}

TEST(table, counts_code_points_not_bytes) {
    table t({"NAME", "X"});
    t.add_row({"héllo", "1"});
    t.add_row({"abcdef", "2"});
    EXPECT_EQ(t.render(),
              "NAME    X\n"
              "héllo   1\n"
              "abcdef  2\n");
}

TEST(table, a_multi_line_cell_continues_under_its_column) {
    table t({"MASTER", "STATUS", "OUTPUT"});
    t.add_row({"m1", "ok", "line 1\nline 2"});
    t.add_row({"m2", "ok", "one"});
    EXPECT_EQ(t.render(),
              "MASTER  STATUS  OUTPUT\n"
              "m1      ok      line 1\n"
              "                line 2\n"
              "m2      ok      one\n");
}

TEST(display, printable_escapes_what_could_drive_a_terminal) {
    EXPECT_EQ(printable("plain text"), "plain text");
    EXPECT_EQ(printable("a\x1b[31mred"), "a\\x1b[31mred");
    EXPECT_EQ(printable("cr\r\nnext"), "cr\\r\nnext");
    EXPECT_EQ(printable("a\tb"), "a       b");
    EXPECT_EQ(printable("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(printable("csi\xc2\x9b"), "csi\\u009b");
    EXPECT_EQ(printable("ünïcödé ✓"), "ünïcödé ✓");
}

TEST(display, utf8_validation) {
    EXPECT_TRUE(is_valid_utf8("hello ✓ ü 😀"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));                  // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));              // surrogate
    EXPECT_FALSE(is_valid_utf8(std::string("\xe2\x9c", 2)));  // cut short
}

TEST(display, output_cell_trims_one_newline_and_names_binary_and_errors) {
    EXPECT_EQ(output_cell(json::object{{"output", "hi\n"}}), "hi");
    EXPECT_EQ(output_cell(json::object{{"output", "hi\n\n"}}), "hi\n");
    EXPECT_EQ(output_cell(json::object{{"output", "hi\r\n"}}), "hi");
    EXPECT_EQ(output_cell(json::object{{"output_base64", "AAEC"}}), "<3 bytes binary>");
    EXPECT_EQ(output_cell(json::object{{"output_base64", "AAE="}}), "<2 bytes binary>");
    EXPECT_EQ(output_cell(json::object{{"output_base64", "AA=="}}), "<1 bytes binary>");
    EXPECT_EQ(
        output_cell(json::object{{"status", "error"},
                                 {"error", {{"code", "action-failed"}, {"message", "boom"}}}}),
        "action-failed: boom");
    EXPECT_EQ(output_cell(json::object{{"status", "ok"}}), "");
}

TEST(display, durations) {
    EXPECT_EQ(format_duration_ms(0), "0ms");
    EXPECT_EQ(format_duration_ms(15), "15ms");
    EXPECT_EQ(format_duration_ms(999), "999ms");
    EXPECT_EQ(format_duration_ms(1250), "1.25s");
    EXPECT_EQ(format_duration_ms(1500), "1.5s");
    EXPECT_EQ(format_duration_ms(2000), "2s");
    EXPECT_EQ(format_duration_ms(125'000), "2m05s");
    EXPECT_EQ(format_duration_ms(3'720'000), "1h02m");
}

TEST(display, ages_of_api_timestamps) {
    const auto t = parse_rfc3339("2026-11-25T12:53:21.042Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count(),
              1795611201042);
    EXPECT_FALSE(parse_rfc3339("yesterday"));
    EXPECT_FALSE(parse_rfc3339("2026-11-25T12:53:21+01:00"));
    EXPECT_EQ(format_age(*t, *t + 12s), "12s ago");
    EXPECT_EQ(format_age(*t, *t + 5min + 3s), "5m ago");
    EXPECT_EQ(format_age(*t, *t + 3h + 12min), "3h12m ago");
    EXPECT_EQ(format_age(*t, *t + 50h), "2d2h ago");
    EXPECT_EQ(format_age(*t, *t - 2s), "0s ago");
    EXPECT_EQ(age_of("not a time"), "not a time");
}

json::object sample_job() {
    return json::parse(R"({
        "job":"j1","action":"echo","state":"done","targets":3,"done":3,
        "results":[
            {"master":"m1","name":"web-1","status":"ok","duration_ms":3,"output":"hi\n"},
            {"master":"m2","name":"web-2","status":"error","duration_ms":1500,
             "error":{"code":"action-failed","message":"boom"}},
            {"master":"m3","name":"db","status":"ok","duration_ms":12,"output_base64":"AAEC"}],
        "skipped":[{"master":"m4","name":"old","reason":"no action echo"}],
        "summary":{"ok":2,"error":1,"timeout":0,"disconnected":0}})")
        .as_object();
}

TEST(results, one_row_per_master) {
    EXPECT_EQ(results_table(sample_job()),
              "MASTER  NAME   STATUS  DURATION  OUTPUT\n"
              "m1      web-1  ok      3ms       hi\n"
              "m2      web-2  error   1.5s      action-failed: boom\n"
              "m3      db     ok      12ms      <3 bytes binary>\n");
    EXPECT_EQ(skipped_lines(sample_job()), "skipped m4 (old): no action echo\n");
}

TEST(results, counts_failures_by_status) {
    auto job = sample_job();
    job["results"].as_array().push_back(
        json::object{{"master", "m5"}, {"status", "timeout"}, {"duration_ms", 5000}});
    job["results"].as_array().push_back(json::object{{"master", "m6"}, {"status", "pending"}});
    const auto counts = count_results(job);
    EXPECT_EQ(counts.ok, 2u);
    EXPECT_EQ(counts.failed, 2u);
    EXPECT_EQ(counts.pending, 1u);
    EXPECT_EQ(counts.failed_by_status, "error: 1, timeout: 1");
    EXPECT_NE(results_table(job).find("m6  "), std::string::npos);
}

}  // namespace
}  // namespace regcenter::ctl
