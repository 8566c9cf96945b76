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
    // Beast's decoder stops at the padding, so it is taken off first: at most two '=' may end
    // the text, and an '=' anywhere else stops the decoder short, which is refused below.
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
        ++padding;
    }
    const std::string_view data = text.substr(0, text.size() - padding);
    out.assign(b64::decoded_size(text.size()), '\0');
    const auto [written, read] = b64::decode(out.data(), data.data(), data.size());
    if (read != data.size()) {
        return false;
    }
    out.resize(written);
    return true;
}

}  // namespace regcenter
