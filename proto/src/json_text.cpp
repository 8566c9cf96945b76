#include "regcenter/proto/json_text.hpp"

namespace regcenter::proto {

void append_json_string(std::string& out, std::string_view value) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // start of the run of characters that need no escape
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(value.data() + plain, i - plain);
        plain = i + 1;
        out += '\\';
        switch (c) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '\b':
                out += 'b';
                break;
            case '\t':
                out += 't';
                break;
            case '\n':
                out += 'n';
                break;
            case '\f':
                out += 'f';
                break;
            case '\r':
                out += 'r';
                break;
            default:
                out += "u00";
                out += hex[c >> 4];
                out += hex[c & 15];
        }
    }
    out.append(value.data() + plain, value.size() - plain);
    out += '"';
}

void append_json_number(std::string& out, std::uint64_t value) {
    char digits[20];
    char* const end = digits + sizeof digits;
    char* p = end;
    do {
        *--p = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    out.append(p, end);
}

void append_json_number(std::string& out, std::int64_t value) {
    if (value < 0) {
        out += '-';
        // Negated in unsigned arithmetic, which is defined for the smallest value too.
        append_json_number(out, std::uint64_t{0} - static_cast<std::uint64_t>(value));
        return;
    }
    append_json_number(out, static_cast<std::uint64_t>(value));
}

void append_json_key(std::string& out, std::string_view name) {
    if (!out.empty() && out.back() != '{' && out.back() != '[') {
        out += ',';
    }
    out += '"';
    out += name;
    out += "\":";
}

}  // namespace regcenter::proto
