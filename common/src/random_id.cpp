// Session and job ids: 128 random bits so that ids can't be guessed or collide across restarts.
#include "regcenter/common/random_id.hpp"

#include <sys/random.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "regcenter/common/sha256.hpp"

namespace regcenter {

std::string random_hex_id(std::size_t bytes) {
    std::vector<std::uint8_t> buffer(bytes);
    std::size_t filled = 0;
    while (filled < bytes) {
        const ssize_t got = ::getrandom(buffer.data() + filled, bytes - filled, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        filled += static_cast<std::size_t>(got);
    }
    return to_hex(buffer.data(), buffer.size());
}

}  // namespace regcenter
