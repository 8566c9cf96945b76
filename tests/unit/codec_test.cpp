// The protocol codec: round trips, exact wire forms, and every kind of bad frame.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include <boost/json.hpp>

#include "regcenter/proto/json_text.hpp"
#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter::proto {
namespace {

namespace json = boost::json;

message decode_ok(std::string_view frame) {
    decode_result r = decode(frame);
    EXPECT_TRUE(r) << frame << ": " << (r ? "" : r.error().what);
    return r ? r.value() : message{ping{}};
}

std::string decode_fails(std::string_view frame) {
    decode_result r = decode(frame);
    EXPECT_FALSE(r) << frame << " decoded";
    return r ? "" : r.error().what;
}

TEST(codec, every_message_round_trips) {
    const std::vector<message> all = {
        auth{"tok", "node-1", {{"zone", "eu-1"}, {"tier", "web"}}},
        auth{"tok", std::nullopt, {}},
        auth_success{"Authentication successful", std::string(32, 'a'), 20},
        auth_success{"Authentication successful", std::string(32, 'b'), 0.25},
        auth_failed{"Invalid authentication token"},
        ping{},
        pong{},
        leave{},
        error{"bad-request", "field \"cmd\" is missing"},
        auth{"tok", "n", {}, std::nullopt, {json::parse(R"({"name":"svc"})")}},
        register_services{{json::parse(R"({"name":"svc","version":"1"})"), json::value(3)}, 7},
        register_services{{}, nullptr},
        registered{{{"svc", true, "", ""}, {"bad name", false, "invalid-name", "why"}}, "r1"},
        remove_services{"svc", 8},
        remove_services{std::nullopt, nullptr},
        removed{{"a", "b"}, nullptr},
        unknown{"future-command", json::object{{"x", 1}}},
    };
    for (const message& m : all) {
        const std::string frame = encode(m);
        SCOPED_TRACE(frame);
        message back = decode_ok(frame);
        if (auto* u = std::get_if<unknown>(&back)) {
            u->body.erase("cmd");  // the body keeps every field of the frame
        }
        EXPECT_EQ(back, m);
    }
}

TEST(codec, service_messages_refuse_wrong_shapes) {
    EXPECT_NE(decode_fails(R"({"cmd":"register"})").find("\"services\" is missing"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"register","services":{}})").find("services"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"register","services":[],"id":[1]})").find("id"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"remove","service":3})").find("service"), std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"removed","services":[1]})").find("string"),
              std::string::npos);
}

TEST(codec, wire_forms_match_the_spec) {
    EXPECT_EQ(json::parse(encode(auth_success{"Authentication successful", "abc", 20})),
              json::parse(R"({"cmd":"auth-success","message":"Authentication successful",)"
                          R"("session":"abc","heartbeat":20})"));
    // Whole seconds are integers on the wire, fractions stay fractions.
    EXPECT_NE(encode(auth_success{"", "s", 20}).find("\"heartbeat\":20}"), std::string::npos);
    EXPECT_NE(encode(auth_success{"", "s", 0.5}).find("5E-1"), std::string::npos);
    EXPECT_EQ(encode(ping{}), R"({"cmd":"ping"})");
    EXPECT_EQ(encode(pong{}), R"({"cmd":"pong"})");
    EXPECT_EQ(encode(leave{}), R"({"cmd":"leave"})");
    EXPECT_EQ(json::parse(encode(auth_failed{"Invalid authentication token"})),
              json::parse(R"({"cmd":"auth-failed","message":"Invalid authentication token"})"));
    EXPECT_EQ(json::parse(encode(auth{"t", "n", {{"k", "v"}}})),
              json::parse(R"({"cmd":"auth","token":"t","name":"n","labels":{"k":"v"}})"));
}

// stream-open, stream-credit and stream-end are written without a json::object (one per call
// and per fan-out target): their text must be exactly what Boost.JSON would write.
TEST(codec, per_stream_messages_are_written_as_boost_json_would) {
    const std::string awkward =
        std::string("q\"b\\s/\b\f\n\r\t") + '\x01' + '\x1f' + "\xc3\xa9\xe2\x82\xac" + '\0' + "end";
    const stream_open open{7, awkward, json::parse(R"({"k":[1,"two",null],"e":"\u0002"})"), awkward,
                           true};
    EXPECT_EQ(encode(open), json::serialize(json::object{{"cmd", "stream-open"},
                                                         {"stream", 7},
                                                         {"action", awkward},
                                                         {"args", open.args},
                                                         {"input", awkward},
                                                         {"end", true}}));
    EXPECT_EQ(decode_ok(encode(open)), message{open});

    const stream_open plain{4294967295u, "echo", nullptr};
    EXPECT_EQ(encode(plain),
              R"({"cmd":"stream-open","stream":4294967295,"action":"echo","args":null})");
    EXPECT_EQ(decode_ok(encode(plain)), message{plain});
    EXPECT_EQ(encode(stream_open{0, "", nullptr, std::string(), false}),
              R"({"cmd":"stream-open","stream":0,"action":"","args":null,"input":""})");

    EXPECT_EQ(encode(stream_credit{3, 18446744073709551615ull}),
              R"({"cmd":"stream-credit","stream":3,"bytes":18446744073709551615})");
    EXPECT_EQ(encode(stream_end{12}), R"({"cmd":"stream-end","stream":12})");
}

TEST(codec, original_auth_message_decodes) {
    // The PHP original's masters send just cmd and token.
    const message m = decode_ok(R"({"cmd":"auth","token":"register-center-token-2024"})");
    ASSERT_TRUE(std::holds_alternative<auth>(m));
    EXPECT_EQ(std::get<auth>(m).token, "register-center-token-2024");
    EXPECT_FALSE(std::get<auth>(m).name.has_value());
}

TEST(codec, missing_token_decodes_as_empty_so_auth_fails_not_the_frame) {
    const message m = decode_ok(R"({"cmd":"auth"})");
    EXPECT_EQ(std::get<auth>(m).token, "");
}

TEST(codec, unknown_fields_are_ignored) {
    EXPECT_EQ(decode_ok(R"({"cmd":"ping","future":[1,2,3]})"), message(ping{}));
    const message m = decode_ok(R"({"cmd":"auth","token":"t","extra":{"a":1}})");
    EXPECT_EQ(std::get<auth>(m).token, "t");
}

TEST(codec, unknown_commands_keep_their_body) {
    const message m = decode_ok(R"({"cmd":"future-command","services":[{"name":"db"}]})");
    const auto& u = std::get<unknown>(m);
    EXPECT_EQ(u.cmd, "future-command");
    EXPECT_EQ(u.body.at("services").as_array().size(), 1u);
}

TEST(codec, frames_that_are_not_messages_are_explained) {
    EXPECT_NE(decode_fails("not json").find("not valid JSON"), std::string::npos);
    EXPECT_NE(decode_fails("").find("not valid JSON"), std::string::npos);
    EXPECT_NE(decode_fails("[1]").find("an array"), std::string::npos);
    EXPECT_NE(decode_fails("\"auth\"").find("a string"), std::string::npos);
    EXPECT_NE(decode_fails("null").find("null"), std::string::npos);
    EXPECT_NE(decode_fails("{}").find("\"cmd\" is missing"), std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":1})").find("\"cmd\" must be a string"), std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"ping"} x)").find("not valid JSON"), std::string::npos);
    EXPECT_NE(decode_fails("{\"cmd\":\"ping\"").find("not valid JSON"), std::string::npos);
}

TEST(codec, wrong_field_types_name_the_field) {
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":5})").find("\"token\" must be a string"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":"t","name":[]})").find("\"name\""),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":"t","labels":"a=b"})").find("\"labels\""),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":"t","labels":{"a":1}})").find("labels.a"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth-success","session":"s","heartbeat":"20"})")
                  .find("\"heartbeat\""),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth-success","heartbeat":20})").find("\"session\""),
              std::string::npos);
    EXPECT_NE(
        decode_fails(R"({"cmd":"auth-success","session":"s","heartbeat":0})").find("positive"),
        std::string::npos);
}

TEST(codec, limits_are_enforced) {
    const std::string long_name(limits::max_name + 1, 'n');
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":"t","name":")" + long_name + "\"}")
                  .find("longer than"),
              std::string::npos);
    json::object labels;
    for (std::size_t i = 0; i <= limits::max_labels; ++i) {
        labels["k" + std::to_string(i)] = "v";
    }
    json::object too_many{{"cmd", "auth"}, {"token", "t"}, {"labels", labels}};
    EXPECT_NE(decode_fails(json::serialize(too_many)).find("more than"), std::string::npos);
    EXPECT_FALSE(decode(R"({"cmd":"auth","token":"t","labels":{"":"v"}})"));
    const std::string at_limit(limits::max_name, 'n');
    EXPECT_TRUE(decode(R"({"cmd":"auth","token":"t","name":")" + at_limit + "\"}"));
}

TEST(codec, deep_nesting_is_refused_not_a_crash) {
    std::string deep(100000, '[');
    EXPECT_FALSE(decode(deep));
    std::string nested =
        R"({"cmd":"ping","x":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
    EXPECT_FALSE(decode(nested));
}

TEST(codec, command_names) {
    EXPECT_EQ(command_name(auth{}), "auth");
    EXPECT_EQ(command_name(auth_success{}), "auth-success");
    EXPECT_EQ(command_name(unknown{"x", {}}), "x");
}

TEST(json_text, strings_are_escaped_as_boost_json_escapes_them) {
    // Every byte value, then the ones that need care one by one, then UTF-8.
    std::string every_byte;
    for (int c = 0; c < 256; ++c) {
        every_byte += static_cast<char>(c);
    }
    for (const std::string& value :
         {every_byte, std::string(), std::string("plain"), std::string("q\"b\\s/"),
          std::string("\b\f\n\r\t") + '\0' + "\x01\x1f\x7f",
          std::string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")}) {
        std::string out;
        append_json_string(out, value);
        EXPECT_EQ(out, boost::json::serialize(boost::json::string_view(value)));
    }
}

TEST(json_text, numbers_and_keys_match_boost_json) {
    for (const std::uint64_t n : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{10},
                                  std::uint64_t{18446744073709551615ull}}) {
        std::string out;
        append_json_number(out, n);
        EXPECT_EQ(out, boost::json::serialize(boost::json::value(n)));
    }
    for (const std::int64_t n :
         {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1234},
          std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
        std::string out;
        append_json_number(out, n);
        EXPECT_EQ(out, boost::json::serialize(boost::json::value(n)));
    }
    // A key right after an opening brace takes no comma; after a value it does.
    std::string out = "{";
    append_json_key(out, "a");
    append_json_number(out, std::uint64_t{1});
    append_json_key(out, "b");
    out += "[]";
    append_json_key(out, "c");
    out += "[{";
    append_json_member(out, "d", "e");
    out += "}]}";
    EXPECT_EQ(out, R"({"a":1,"b":[],"c":[{"d":"e"}]})");
}

}  // namespace
}  // namespace regcenter::proto
