#include "regcenter/common/utf8.hpp"

#include <cstddef>

namespace regcenter {

bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        std::size_t extra = 0;
        if (lead < 0x80) {
            extra = 0;
        } else if ((lead >> 5) == 0x6) {
            extra = 1;
        } else if ((lead >> 4) == 0xe) {
            extra = 2;
        } else if ((lead >> 3) == 0x1e) {
            extra = 3;
        } else {
            return false;
        }
        if (extra > s.size() - i - 1) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

}  // namespace regcenter
