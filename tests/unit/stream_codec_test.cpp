// The codec's actions and stream messages, and binary data frames (actions.md).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "regcenter/proto/data_frame.hpp"
#include "regcenter/proto/messages.hpp"
#include "regcenter/proto/protocol.hpp"

namespace regcenter::proto {
namespace {

namespace json = boost::json;

std::string decode_fails(std::string_view frame) {
    decode_result r = decode(frame);
    EXPECT_FALSE(r) << frame << " decoded";
    return r ? "" : r.error().what;
}

TEST(stream_codec, action_and_stream_messages_round_trip) {
    const std::vector<message> all = {
        auth{"t", "n", {}, std::vector<action_info>{{"echo", "returns its input", std::nullopt}}},
        auth{"t", "n", {}, std::vector<action_info>{}},
        actions_update{{{"load", "", json::object{{"type", "object"}}}, {"cat", "", std::nullopt}}},
        stream_open{7, "echo", json::parse(R"({"upper":true})")},
        stream_open{4294967295u, "x", nullptr},
        stream_open{8, "echo", nullptr, "hello \"you\"\n", true},
        stream_open{9, "echo", nullptr, "", false},
        stream_credit{7, 65536},
        stream_end{7},
        stream_error{7, "unknown-action", "no action \"x\""},
        stream_close{7},
    };
    for (const message& m : all) {
        const std::string frame = encode(m);
        SCOPED_TRACE(frame);
        decode_result back = decode(frame);
        ASSERT_TRUE(back) << back.error().what;
        EXPECT_EQ(back.value(), m);
    }
}

TEST(stream_codec, auth_without_actions_differs_from_an_empty_list) {
    const auto plain = decode(R"({"cmd":"auth","token":"t"})");
    EXPECT_FALSE(std::get<auth>(plain.value()).actions.has_value());
    const auto empty = decode(R"({"cmd":"auth","token":"t","actions":[]})");
    ASSERT_TRUE(std::get<auth>(empty.value()).actions.has_value());
    EXPECT_TRUE(std::get<auth>(empty.value()).actions->empty());
}

TEST(stream_codec, invalid_action_lists_are_explained) {
    EXPECT_NE(decode_fails(R"({"cmd":"actions"})").find("\"actions\" is missing"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"actions","actions":{}})").find("an array"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"actions","actions":["echo"]})").find("actions[0]"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"actions","actions":[{"name":"has space"}]})")
                  .find("actions[0].name"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"actions","actions":[{}]})").find("actions[0].name"),
              std::string::npos);
    EXPECT_NE(
        decode_fails(R"({"cmd":"actions","actions":[{"name":"a"},{"name":"a"}]})").find("twice"),
        std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"actions","actions":[{"name":"a","args_schema":1}]})")
                  .find("args_schema"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":"t","actions":[{"name":""}]})")
                  .find("actions[0].name"),
              std::string::npos);
    json::array many;
    for (std::size_t i = 0; i <= limits::max_actions; ++i) {
        many.push_back(json::object{{"name", "a" + std::to_string(i)}});
    }
    EXPECT_NE(decode_fails(json::serialize(json::object{{"cmd", "actions"}, {"actions", many}}))
                  .find("more than"),
              std::string::npos);
}

TEST(stream_codec, stream_ids_must_be_32_bit_and_not_zero) {
    for (const char* frame :
         {R"({"cmd":"stream-end"})", R"({"cmd":"stream-end","stream":0})",
          R"({"cmd":"stream-end","stream":-1})", R"({"cmd":"stream-end","stream":4294967296})",
          R"({"cmd":"stream-end","stream":"7"})", R"({"cmd":"stream-end","stream":1.5})",
          R"({"cmd":"stream-close","stream":null})"}) {
        EXPECT_NE(decode_fails(frame).find("\"stream\""), std::string::npos) << frame;
    }
    EXPECT_TRUE(decode(R"({"cmd":"stream-end","stream":4294967295})"));
}

TEST(stream_codec, credit_must_be_positive) {
    EXPECT_NE(decode_fails(R"({"cmd":"stream-credit","stream":1,"bytes":0})").find("at least 1"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"stream-credit","stream":1,"bytes":-5})").find("at least 1"),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"stream-credit","stream":1})").find("\"bytes\""),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"stream-credit","stream":1,"bytes":"9"})").find("integer"),
              std::string::npos);
}

TEST(stream_codec, stream_open_needs_an_action_and_defaults_args_to_null) {
    EXPECT_NE(decode_fails(R"({"cmd":"stream-open","stream":1})").find("\"action\""),
              std::string::npos);
    const auto m = decode(R"({"cmd":"stream-open","stream":1,"action":"echo"})");
    ASSERT_TRUE(m);
    EXPECT_TRUE(std::get<stream_open>(m.value()).args.is_null());
}

TEST(stream_codec, inline_input_is_asked_for_in_auth_and_carried_by_stream_open) {
    auth a{"t", "n", {}, std::vector<action_info>{}};
    a.wants_inline_input = true;
    EXPECT_NE(encode(a).find(R"("inline_input":true)"), std::string::npos);
    EXPECT_EQ(encode(auth{"t", "n", {}, std::vector<action_info>{}}).find("inline_input"),
              std::string::npos);  // older centers never see the field unless it is true
    const auto open =
        decode(R"({"cmd":"stream-open","stream":1,"action":"echo","input":"hi","end":true})");
    ASSERT_TRUE(open) << open.error().what;
    EXPECT_EQ(std::get<stream_open>(open.value()).input, std::optional<std::string>("hi"));
    EXPECT_TRUE(std::get<stream_open>(open.value()).end);
    const auto plain = decode(R"({"cmd":"stream-open","stream":1,"action":"echo"})");
    EXPECT_FALSE(std::get<stream_open>(plain.value()).input.has_value());
    EXPECT_FALSE(std::get<stream_open>(plain.value()).end);
}

TEST(stream_codec, inline_input_of_the_wrong_type_or_size_is_rejected_by_name) {
    EXPECT_NE(decode_fails(R"({"cmd":"stream-open","stream":1,"action":"a","input":5})")
                  .find("\"input\""),
              std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"stream-open","stream":1,"action":"a","end":"yes"})")
                  .find("\"end\""),
              std::string::npos);
    const std::string big(streams::max_data_payload + 1, 'x');
    EXPECT_NE(
        decode_fails(R"({"cmd":"stream-open","stream":1,"action":"a","input":")" + big + R"("})")
            .find("longer than 65536"),
        std::string::npos);
    EXPECT_NE(decode_fails(R"({"cmd":"auth","token":"t","inline_input":1})").find("inline_input"),
              std::string::npos);
}

TEST(data_frame, header_is_type_and_big_endian_stream_id) {
    const std::string frame = encode_data_frame(0x01020304, "hi");
    ASSERT_EQ(frame.size(), 7u);
    EXPECT_EQ(frame, std::string("\x01\x01\x02\x03\x04hi", 7));
    const auto decoded = decode_data_frame(frame);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->stream, 0x01020304u);
    EXPECT_EQ(decoded->payload, "hi");
}

TEST(data_frame, payload_is_binary_safe_and_may_be_empty) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes.push_back(static_cast<char>(i));
    }
    const std::string frame = encode_data_frame(4294967295u, bytes);
    EXPECT_EQ(decode_data_frame(frame)->payload, bytes);
    EXPECT_EQ(decode_data_frame(encode_data_frame(1, ""))->payload, "");
}

TEST(data_frame, malformed_frames_are_rejected) {
    EXPECT_FALSE(decode_data_frame(""));
    EXPECT_FALSE(decode_data_frame(std::string("\x01\x00\x00\x01", 4)));       // short
    EXPECT_FALSE(decode_data_frame(std::string("\x02\x00\x00\x00\x01x", 6)));  // type
    EXPECT_FALSE(decode_data_frame(std::string("\x01\x00\x00\x00\x00x", 6)));  // stream 0
    EXPECT_FALSE(
        decode_data_frame(encode_data_frame(1, std::string(streams::max_data_payload + 1, 'x'))));
    EXPECT_TRUE(
        decode_data_frame(encode_data_frame(1, std::string(streams::max_data_payload, 'x'))));
}

}  // namespace
}  // namespace regcenter::proto
