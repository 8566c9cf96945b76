// Session and job ids: 128 random bits so that ids can't be guessed or collide across restarts.
#include "regcenter/common/random_id.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>

#include "regcenter/common/sha256.hpp"

namespace regcenter {
namespace {

// Kernel randomness fetched 4 KiB at a time, per thread: the bytes are the same quality as one
// getrandom(2) per id, without a system call for every session and job (a busy center starts
// thousands of jobs a second).
class random_pool {
  public:
    void take(std::uint8_t* out, std::size_t bytes) {
        while (bytes > 0) {
            if (used_ == pool_.size()) {
                refill();
            }
            const std::size_t n = std::min(bytes, pool_.size() - used_);
            std::copy_n(pool_.data() + used_, n, out);
            // Handed-out bytes are wiped, so a later memory dump can't tell past ids.
            std::fill_n(pool_.data() + used_, n, std::uint8_t{0});
            used_ += n;
            out += n;
            bytes -= n;
        }
    }

  private:
    void refill() {
        std::size_t filled = 0;
        while (filled < pool_.size()) {
            const ssize_t got = ::getrandom(pool_.data() + filled, pool_.size() - filled, 0);
            if (got < 0) {
                if (errno == EINTR) {
                    continue;
                }
                throw std::system_error(errno, std::generic_category(), "getrandom");
            }
            filled += static_cast<std::size_t>(got);
        }
        used_ = 0;
    }

    std::array<std::uint8_t, 4096> pool_{};
    std::size_t used_ = pool_.size();
};

}  // namespace

std::string random_hex_id(std::size_t bytes) {
    thread_local random_pool pool;
    std::array<std::uint8_t, 64> buffer{};
    std::string out;
    while (bytes > 0) {
        const std::size_t n = std::min(bytes, buffer.size());
        pool.take(buffer.data(), n);
        out += to_hex(buffer.data(), n);
        bytes -= n;
    }
    return out;
}

}  // namespace regcenter
