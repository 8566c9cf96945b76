// Base64 through Beast's implementation, with the input validation Beast leaves to callers.
#include "regcenter/common/base64.hpp"

#include <boost/beast/core/detail/base64.hpp>

namespace regcenter {
namespace b64 = boost::beast::detail::base64;

std::string base64_encode(std::string_view bytes) {
    std::string out(b64::encoded_size(bytes.size()), '\0');
    out.resize(b64::encode(out.data(), bytes.data(), bytes.size()));
    return out;
}

bool base64_decode(std::string_view text, std::string& out) {
    if (text.size() % 4 != 0) {
        return false;
    }
    out.assign(b64::decoded_size(text.size()), '\0');
    const auto [written, read] = b64::decode(out.data(), text.data(), text.size());
    if (read != text.size()) {
        return false;
    }
    out.resize(written);
    return true;
}

}  // namespace regcenter
