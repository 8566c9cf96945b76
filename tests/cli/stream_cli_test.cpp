// regcenterctl stream against a real regcenterd and test master: stdin to the action and its
// output to stdout, byte for byte, and the errors of a stream that can't run or fails.
#include <random>

#include <gtest/gtest.h>

#include "cli_fixture.hpp"

namespace regcenter::test {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string random_bytes(std::size_t n) {
    std::mt19937_64 random(20261125);
    std::string bytes(n, '\0');
    for (auto& c : bytes) {
        c = static_cast<char>(random());
    }
    return bytes;
}

TEST_F(cli_test, stream_cat_copies_5_mb_of_binary_stdin_to_stdout) {
    start_daemon();
    const std::string id = start_master("web-1");
    const std::string data = random_bytes(5 * 1024 * 1024);
    const auto input = write_file("input.bin", data);

    const auto r = ctl({"stream", "cat", "--master", id}, with_stdin(input));
    ASSERT_EQ(r.status, 0) << r.describe();
    ASSERT_EQ(r.out.size(), data.size());
    EXPECT_TRUE(r.out == data) << "stdout differs from stdin";
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(cli_test, stream_passes_args_and_ends_when_the_action_does) {
    start_daemon();
    const std::string id = start_master("web-1");
    const std::size_t n = 3 * 1024 * 1024 + 17;
    const auto r = ctl(
        {"stream", "produce", "--master", id, "--args", "{\"bytes\":" + std::to_string(n) + "}"});
    ASSERT_EQ(r.status, 0) << r.describe();
    ASSERT_EQ(r.out.size(), n);
    bool same = true;
    for (std::size_t i = 0; i < n && same; ++i) {
        same = r.out[i] == static_cast<char>(i % 251);
    }
    EXPECT_TRUE(same) << "stdout is not the pattern";
}

TEST_F(cli_test, stream_of_an_empty_stdin_ends_at_once) {
    start_daemon();
    const std::string id = start_master("web-1");
    const auto r = ctl({"stream", "echo", "--master", id});
    EXPECT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.out.empty());
}

TEST_F(cli_test, stream_reports_what_can_not_run_and_what_failed) {
    start_daemon();
    const std::string id = start_master("web-1");

    auto r = ctl({"stream", "cat", "--master", "0123456789abcdef0123456789abcdef"});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "master-not-found")) << r.err;

    r = ctl({"stream", "no-such-action", "--master", id});
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "unknown-action")) << r.err;

    r = ctl({"stream", "fail", "--master", id}, with_stdin(write_file("in", "x")));
    EXPECT_EQ(r.status, 1) << r.describe();
    EXPECT_TRUE(contains(r.err, "boom")) << r.err;

    r = ctl_raw({"stream", "cat", "--master", id, "--addr", admin_address(), "--token", "nope"});
    EXPECT_EQ(r.status, 3) << r.describe();
    EXPECT_TRUE(contains(r.err, "admin token rejected")) << r.err;
}

}  // namespace
}  // namespace regcenter::test
