// Token set behind a mutex; small (a handful of tokens), so a vector beats any index.
#include "token_store.hpp"

#include <algorithm>

#include "regcenter/common/sha256.hpp"

namespace regcenter {

token_store::token_store(std::vector<std::string> tokens)
    : entries_(make_entries(std::move(tokens))) {}

std::vector<token_store::entry> token_store::make_entries(std::vector<std::string> tokens) {
    std::vector<entry> out;
    for (std::string& t : tokens) {
        if (t.empty()) {
            continue;
        }
        const bool duplicate =
            std::any_of(out.begin(), out.end(), [&](const entry& e) { return e.secret == t; });
        if (!duplicate) {
            std::string fingerprint = token_fingerprint(t);
            out.push_back({std::move(t), std::move(fingerprint)});
        }
    }
    return out;
}

bool token_store::accepts(std::string_view token) const {
    if (token.empty()) {
        return false;
    }
    std::lock_guard lock(mutex_);
    bool match = false;
    // No early exit: every token is compared, whichever matches.
    for (const entry& e : entries_) {
        match |= constant_time_equal(e.secret, token);
    }
    return match;
}

void token_store::replace(std::vector<std::string> tokens) {
    auto entries = make_entries(std::move(tokens));
    std::lock_guard lock(mutex_);
    entries_ = std::move(entries);
}

bool token_store::add(std::string token) {
    if (token.empty()) {
        return false;
    }
    std::string fingerprint = token_fingerprint(token);
    std::lock_guard lock(mutex_);
    for (const entry& e : entries_) {
        if (e.secret == token) {
            return false;
        }
    }
    entries_.push_back({std::move(token), std::move(fingerprint)});
    return true;
}

bool token_store::remove_by_fingerprint(std::string_view fingerprint) {
    std::lock_guard lock(mutex_);
    const auto before = entries_.size();
    std::erase_if(entries_, [&](const entry& e) { return e.fingerprint == fingerprint; });
    return entries_.size() != before;
}

std::vector<std::string> token_store::fingerprints() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const entry& e : entries_) {
        out.push_back(e.fingerprint);
    }
    return out;
}

std::size_t token_store::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace regcenter
