// Replays every proto-spec/transcripts/*.json against an in-process center: the spec's
// examples are executable, so the spec and the center can't drift apart.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>

#include "center.hpp"
#include "config.hpp"
#include "support/ws_client.hpp"

namespace regcenter::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::vector<fs::path> transcript_files() {
    std::vector<fs::path> files;
    for (const auto& entry :
         fs::directory_iterator(fs::path(REGCENTER_SOURCE_DIR) / "proto-spec" / "transcripts")) {
        if (entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

json::object read_transcript(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str()).as_object();
}

// The transcript's config keys become flags, so they go through the daemon's real parser.
center_options options_for(const json::object& config) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0", "--admin.listen=127.0.0.1:0",
                                     "--auth.timeout=5s", "--heartbeat.interval=5s"};
    for (const auto& [key, value] : config) {
        auto flag = [&](const json::value& v) {
            args.push_back("--" + std::string(key) + "=" +
                           (v.is_string() ? std::string(v.get_string()) : json::serialize(v)));
        };
        if (value.is_array()) {
            for (const auto& v : value.get_array()) {
                flag(v);
            }
        } else {
            flag(value);
        }
    }
    // The harness default above must not clash with a transcript's own heartbeat.
    if (config.contains("heartbeat.interval")) {
        args.erase(std::find(args.begin(), args.end(), "--heartbeat.interval=5s"));
    }
    if (config.contains("auth.timeout")) {
        args.erase(std::find(args.begin(), args.end(), "--auth.timeout=5s"));
    }
    return load_config(args).config.center;
}

// Numbers compare by value, whatever their JSON form; everything else structurally.
bool same(const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) {
        return a.to_number<double>() == b.to_number<double>();
    }
    return a == b;
}

std::string base64_decode(std::string_view text) {
    namespace b64 = boost::beast::detail::base64;
    std::string out(b64::decoded_size(text.size()), '\0');
    const auto [written, read] = b64::decode(out.data(), text.data(), text.size());
    out.resize(written);
    return out;
}

class transcript : public ::testing::TestWithParam<fs::path> {};

TEST_P(transcript, replays_against_the_center) {
    const json::object t = read_transcript(GetParam());
    ASSERT_EQ(t.at("name").as_string(), GetParam().stem().string()) << "name must match the file";
    center c(options_for(t.contains("config") ? t.at("config").as_object() : json::object{}));
    c.start();
    auto owned_client = std::make_unique<ws_client>(c.master_endpoint());
    ws_client& client = *owned_client;

    std::size_t index = 0;
    for (const json::value& step_value : t.at("steps").as_array()) {
        const json::object& step = step_value.as_object();
        SCOPED_TRACE("step " + std::to_string(index++) + ": " + json::serialize(step));
        if (const auto* v = step.if_contains("send")) {
            client.send_text(json::serialize(*v));
        } else if (const auto* raw = step.if_contains("send_raw")) {
            client.send_text(raw->as_string());
        } else if (const auto* bin = step.if_contains("send_binary")) {
            client.send_binary(base64_decode(bin->as_string()));
        } else if (const auto* expected = step.if_contains("expect")) {
            const ws_read r = client.read();
            ASSERT_EQ(r.what, ws_read::kind::text)
                << "close code " << r.close_code << " " << r.ec.message();
            const json::value got = json::parse(r.data);
            ASSERT_TRUE(got.is_object()) << r.data;
            for (const auto& [field, want] : expected->as_object()) {
                const json::value* have = got.as_object().if_contains(field);
                ASSERT_NE(have, nullptr) << "missing \"" << field << "\" in " << r.data;
                EXPECT_TRUE(same(*have, want))
                    << "field \"" << field << "\": got " << json::serialize(*have) << " want "
                    << json::serialize(want);
            }
            if (const auto* match = step.if_contains("match")) {
                for (const auto& [field, pattern] : match->as_object()) {
                    const json::value* have = got.as_object().if_contains(field);
                    ASSERT_TRUE(have != nullptr && have->is_string()) << field << " in " << r.data;
                    EXPECT_TRUE(std::regex_match(std::string(have->get_string()),
                                                 std::regex(std::string(pattern.as_string()))))
                        << field << " = " << have->get_string();
                }
            }
        } else if (const auto* code = step.if_contains("expect_close")) {
            const ws_read r = client.read();
            ASSERT_EQ(r.what, ws_read::kind::closed) << "got " << r.data << r.ec.message();
            EXPECT_EQ(r.close_code, code->to_number<int>());
            if (const auto* reason = step.if_contains("reason")) {
                EXPECT_EQ(r.close_reason, reason->as_string());
            }
        } else {
            FAIL() << "unknown step kind";
        }
    }
    // Closed first: a client nobody reads can't answer the center's closing handshake, and
    // stop() would wait out its grace period for it.
    owned_client.reset();
    c.stop();
}

INSTANTIATE_TEST_SUITE_P(proto_spec, transcript, ::testing::ValuesIn(transcript_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                             std::string name = info.param.stem().string();
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

}  // namespace
}  // namespace regcenter::test
