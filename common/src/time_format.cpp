// RFC 3339 formatting without locale or time zone state, safe from any thread.
#include "regcenter/common/time_format.hpp"

#include <cstddef>
#include <ctime>

namespace regcenter {

std::string format_rfc3339(std::chrono::system_clock::time_point when) {
    using namespace std::chrono;
    const auto millis = duration_cast<milliseconds>(when.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(millis / 1000);
    int fraction = static_cast<int>(millis % 1000);
    if (fraction < 0) {
        fraction += 1000;
        --seconds;
    }
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    // By hand rather than snprintf: every log line and event has one of these.
    char text[] = "0000-00-00T00:00:00.000Z";
    const auto put = [&text](std::size_t at, int value, int digits) {
        for (int i = digits - 1; i >= 0; --i) {
            text[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
    };
    put(0, utc.tm_year + 1900, 4);
    put(5, utc.tm_mon + 1, 2);
    put(8, utc.tm_mday, 2);
    put(11, utc.tm_hour, 2);
    put(14, utc.tm_min, 2);
    put(17, utc.tm_sec, 2);
    put(20, fraction, 3);
    return std::string(text, sizeof text - 1);
}

}  // namespace regcenter
