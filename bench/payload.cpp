#include "payload.hpp"

#include <cstring>
#include <string>

namespace regcenter::bench::payload {
namespace {

// A prime period, so slice boundaries (powers of two) fall on every phase of the pattern.
constexpr std::size_t period = 4093;

const std::string& pattern() {
    static const std::string bytes = [] {
        std::string s(period + max_slice, '\0');
        std::uint32_t x = 2463534242u;  // xorshift32: deterministic, every byte value occurs
        for (std::size_t i = 0; i < period; ++i) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s[i] = static_cast<char>(x);
        }
        for (std::size_t i = period; i < s.size(); ++i) {
            s[i] = s[i - period];
        }
        return s;
    }();
    return bytes;
}

}  // namespace

std::string_view at(std::uint64_t offset, std::size_t length) {
    return std::string_view(pattern()).substr(offset % period, length);
}

bool matches(std::uint64_t offset, std::string_view data) {
    for (std::size_t done = 0; done < data.size(); done += max_slice) {
        const std::size_t n = std::min(max_slice, data.size() - done);
        if (std::memcmp(at(offset + done, n).data(), data.data() + done, n) != 0) {
            return false;
        }
    }
    return true;
}

std::string_view small() {
    // Printable, so regcenter's operator can send it as a JSON string ("input") unescaped.
    return "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
}

void sink::feed(std::string_view data) {
    if (!first_bad_ && !matches(bytes_, data)) {
        first_bad_ = bytes_;
    }
    bytes_ += data.size();
}

std::string sink::verdict() const {
    return first_bad_ ? "corrupt at " + std::to_string(*first_bad_) : intact(bytes_);
}

std::string intact(std::uint64_t bytes) {
    std::string s = "ok ";
    s += std::to_string(bytes);
    return s;
}

}  // namespace regcenter::bench::payload
