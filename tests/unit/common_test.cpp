// Shared utilities: SHA-256 against FIPS test vectors, fingerprints, ids, time, token store.
// Duration and size parsing is tested with the configuration (config_test.cpp).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "regcenter/common/base64.hpp"
#include "regcenter/common/random_id.hpp"
#include "regcenter/common/sha256.hpp"
#include "regcenter/common/time_format.hpp"
#include "regcenter/common/units.hpp"
#include "token_store.hpp"

namespace regcenter {
namespace {

std::string hex_sha256(std::string_view data) {
    const auto d = sha256(data);
    return to_hex(d.data(), d.size());
}

TEST(sha256, matches_the_fips_180_test_vectors) {
    EXPECT_EQ(hex_sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hex_sha256("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(hex_sha256(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Lengths around the padding boundary (55, 56, 63, 64 bytes) all hash to distinct values.
    std::set<std::string> seen;
    for (std::size_t n : {55u, 56u, 63u, 64u, 65u}) {
        seen.insert(hex_sha256(std::string(n, 'x')));
    }
    EXPECT_EQ(seen.size(), 5u);
}

TEST(sha256, token_fingerprint_is_the_first_16_hex_digits) {
    EXPECT_EQ(token_fingerprint("abc"), "sha256:ba7816bf8f01cfea");
}

TEST(base64, round_trips_every_padding_and_refuses_what_is_not_base64) {
    for (const std::string& bytes :
         {std::string(), std::string("\0", 1), std::string("\xff\x00", 2), std::string("abc"),
          std::string("\x00\xff\x01 tail", 8)}) {
        std::string decoded = "junk";
        EXPECT_TRUE(base64_decode(base64_encode(bytes), decoded)) << base64_encode(bytes);
        EXPECT_EQ(decoded, bytes);
    }
    EXPECT_EQ(base64_encode(std::string("\x00\x01", 2)), "AAE=");
    std::string out;
    for (const char* bad : {"A", "AAE", "A===", "AA=A", "=AAA", "AA*A", "AAE=AAE="}) {
        EXPECT_FALSE(base64_decode(bad, out)) << bad;
    }
}

TEST(constant_time_equal, compares_content_and_length) {
    EXPECT_TRUE(constant_time_equal("secret", "secret"));
    EXPECT_FALSE(constant_time_equal("secret", "secreT"));
    EXPECT_FALSE(constant_time_equal("secret", "secret2"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(random_id, is_128_bits_of_hex_and_unique) {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = random_hex_id();
        EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}")));
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 1000u);
}

TEST(time_format, is_rfc3339_utc_with_milliseconds) {
    using namespace std::chrono;
    const system_clock::time_point t{milliseconds(1764075201042)};
    EXPECT_EQ(format_rfc3339(t), "2025-11-25T12:53:21.042Z");
    EXPECT_EQ(format_rfc3339(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(units, seconds_as_the_protocol_shows_them) {
    using namespace std::chrono;
    EXPECT_DOUBLE_EQ(to_seconds(milliseconds(250)), 0.25);
    EXPECT_DOUBLE_EQ(to_seconds(seconds(20)), 20.0);
}

TEST(token_store, accepts_adds_removes_and_replaces) {
    token_store tokens({"a", "b", "a", ""});
    EXPECT_EQ(tokens.size(), 2u);
    EXPECT_TRUE(tokens.accepts("a"));
    EXPECT_FALSE(tokens.accepts(""));
    EXPECT_FALSE(tokens.accepts("c"));
    EXPECT_TRUE(tokens.add("c"));
    EXPECT_FALSE(tokens.add("c"));
    EXPECT_TRUE(tokens.remove_by_fingerprint(token_fingerprint("a")));
    EXPECT_FALSE(tokens.remove_by_fingerprint(token_fingerprint("a")));
    EXPECT_FALSE(tokens.accepts("a"));
    tokens.replace({"z"});
    EXPECT_EQ(tokens.fingerprints(), std::vector<std::string>{token_fingerprint("z")});
}

}  // namespace
}  // namespace regcenter

namespace regcenter {
namespace {

TEST(units, parse_whole_number_takes_digits_only) {
    EXPECT_EQ(parse_whole_number("0"), 0u);
    EXPECT_EQ(parse_whole_number("18446744073709551615"), 18446744073709551615ull);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "18446744073709551616"}) {
        EXPECT_FALSE(parse_whole_number(bad)) << '"' << bad << '"';
    }
}

}  // namespace
}  // namespace regcenter
