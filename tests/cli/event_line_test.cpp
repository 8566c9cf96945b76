// How `regcenterctl watch` prints one event for people. No daemon needed.
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "event_line.hpp"

namespace regcenter::ctl {
namespace {

namespace json = boost::json;

std::string line_of(const char* event) {
    return event_line(json::parse(event).as_object());
}

TEST(event_line, shows_index_time_type_then_fields_in_a_fixed_order) {
    // The fields come in any order; the line always has them in the same one.
    EXPECT_EQ(
        line_of(R"({"reason":"left","service":"http","type":"service-removed",)"
                R"("name":"web-1","index":12,"master":"ab12","at":"2026-11-25T12:00:00.000Z"})"),
        "12  2026-11-25T12:00:00.000Z  service-removed       master=ab12 name=web-1 "
        "service=http reason=left");
    EXPECT_EQ(line_of(R"({"index":3,"type":"master-authenticated","at":"T","remote":"10.0.0.7:5",)"
                      R"("master":"m","name":"n"})"),
              "3  T  master-authenticated  master=m name=n remote=10.0.0.7:5");
    // Unknown fields follow the known ones, by name; other JSON stays compact JSON.
    EXPECT_EQ(line_of(R"({"index":4,"type":"job-finished","at":"T","zeta":1,"alpha":[1,2],)"
                      R"("job":"j","summary":{"ok":2}})"),
              "4  T  job-finished          job=j summary={\"ok\":2} alpha=[1,2] zeta=1");
}

TEST(event_line, quotes_values_that_would_break_the_line_and_escapes_control_characters) {
    EXPECT_EQ(line_of(R"({"index":1,"type":"tokens-changed","at":"T"})"), "1  T  tokens-changed");
    EXPECT_EQ(line_of(R"({"index":1,"type":"x","at":"T","name":"web 1","master":""})"),
              "1  T  x                     master=\"\" name=\"web 1\"");
    const std::string escaped =
        line_of(R"({"index":1,"type":"x","at":"T","name":"a\u001b[31mb","reason":"a=b"})");
    EXPECT_EQ(escaped.find('\x1b'), std::string::npos) << escaped;
    EXPECT_NE(escaped.find("reason=\"a=b\""), std::string::npos) << escaped;
}

}  // namespace
}  // namespace regcenter::ctl
