// RFC 3986 percent-encoding.
#include "url.hpp"

namespace regcenter::ctl {
namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

template <class Keep>
std::string encode(std::string_view text, Keep keep) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (keep(byte)) {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        }
    }
    return out;
}

}  // namespace

std::string encode_path_segment(std::string_view text) {
    return encode(text, [](unsigned char c) {
        return unreserved(c) || std::string_view("!$&'()*+,;=:@").find(static_cast<char>(c)) !=
                                    std::string_view::npos;
    });
}

std::string encode_query_value(std::string_view text) {
    return encode(text, unreserved);
}

}  // namespace regcenter::ctl
