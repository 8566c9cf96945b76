// The set of tokens masters may authenticate with; secrets stay inside, fingerprints go out.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace regcenter {

/// Thread-safe. Lookups compare in constant time per token so response timing reveals nothing
/// about how much of a guess was right.
class token_store {
  public:
    explicit token_store(std::vector<std::string> tokens = {});

    bool accepts(std::string_view token) const;

    /// Replaces the whole set (duplicates and empty strings are dropped).
    void replace(std::vector<std::string> tokens);

    /// Adds one token; false if it was present already (adding is idempotent).
    bool add(std::string token);

    /// Removes the token with this fingerprint ("sha256:<16 hex>"); false if none matches.
    bool remove_by_fingerprint(std::string_view fingerprint);

    /// Fingerprints of every token, in insertion order.
    std::vector<std::string> fingerprints() const;

    std::size_t size() const;

  private:
    struct entry {
        std::string secret;
        std::string fingerprint;
    };
    static std::vector<entry> make_entries(std::vector<std::string> tokens);

    mutable std::mutex mutex_;
    std::vector<entry> entries_;
};

}  // namespace regcenter
