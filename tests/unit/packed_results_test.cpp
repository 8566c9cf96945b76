#include "packed_results.hpp"

#include <gtest/gtest.h>

namespace regcenter {
namespace {

job_result result(std::string master, job_status status, std::string output = {}) {
    job_result r;
    r.master = std::move(master);
    r.name = "name-of-" + r.master;
    r.status = status;
    r.output_bytes = output.size();
    r.output = std::move(output);
    r.duration = std::chrono::milliseconds(7);
    return r;
}

TEST(packed_results, unpack_gives_back_every_field_of_every_result) {
    std::vector<job_result> results;
    results.push_back(result("0123456789abcdef", job_status::ok, std::string(200, 'x')));
    results.push_back(result("m2", job_status::timeout));
    results.back().error = std::make_shared<const job_error>(
        job_error{"timeout", "the action did not finish within 30000 ms"});
    results.push_back(result("", job_status::disconnected, std::string("\0bin\xff", 5)));
    results.push_back(result("m4", job_status::error));
    results.back().error = std::make_shared<const job_error>(job_error{"", ""});

    const packed_results packed(results);
    EXPECT_EQ(packed.size(), 4u);
    EXPECT_EQ(packed.output_size(), 205u);
    const auto back = packed.unpack();
    ASSERT_EQ(back.size(), results.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(back[i].master, results[i].master);
        EXPECT_EQ(back[i].name, results[i].name);
        EXPECT_EQ(back[i].output, results[i].output);
        EXPECT_EQ(back[i].output_bytes, results[i].output_bytes);
        EXPECT_EQ(back[i].duration, results[i].duration);
        EXPECT_EQ(back[i].status, results[i].status);
        ASSERT_EQ(back[i].error != nullptr, results[i].error != nullptr);
        if (results[i].error) {
            EXPECT_EQ(back[i].error->code, results[i].error->code);
            EXPECT_EQ(back[i].error->message, results[i].error->message);
        }
    }
}

TEST(packed_results, dropping_outputs_keeps_everything_else) {
    std::vector<job_result> results;
    results.push_back(result("m1", job_status::ok, "first output"));
    results.push_back(result("m2", job_status::error));
    results.back().error = std::make_shared<const job_error>(job_error{"failed", "no disk"});
    results.push_back(result("m3", job_status::ok, "third"));

    packed_results packed(results);
    EXPECT_EQ(packed.drop_outputs(), 17u);
    EXPECT_EQ(packed.output_size(), 0u);
    EXPECT_EQ(packed.drop_outputs(), 0u);  // nothing left to drop
    const auto back = packed.unpack();
    ASSERT_EQ(back.size(), 3u);
    EXPECT_EQ(back[0].master, "m1");
    EXPECT_EQ(back[0].output, "");
    EXPECT_EQ(back[0].output_bytes, 12u);  // the size stays
    EXPECT_EQ(back[1].error->message, "no disk");
    EXPECT_EQ(back[2].name, "name-of-m3");
    EXPECT_EQ(back[2].output_bytes, 5u);
}

TEST(packed_results, an_empty_job_packs_to_nothing) {
    const packed_results packed(std::vector<job_result>{});
    EXPECT_EQ(packed.size(), 0u);
    EXPECT_TRUE(packed.unpack().empty());
}

}  // namespace
}  // namespace regcenter
