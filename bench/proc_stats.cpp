#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace regcenter::bench {

std::optional<proc_sample> sample_process(int pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream status(base + "/status");
    std::ifstream stat(base + "/stat");
    if (!status || !stat) {
        return std::nullopt;
    }
    proc_sample out;
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmRSS:")) {
            out.rss_bytes = std::stoull(line.substr(6)) * 1024;  // reported in kB
        }
    }
    // Fields 14 and 15 (utime, stime) follow the command name, which is in parentheses and
    // may itself contain spaces: parse after the last ')'.
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) {
        fields >> skip;
    }
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    fields >> utime >> stime;
    const auto ticks = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
    out.cpu = std::chrono::microseconds((utime + stime) * 1'000'000 / ticks);
    return out;
}

std::uint64_t raise_open_file_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

}  // namespace regcenter::bench
