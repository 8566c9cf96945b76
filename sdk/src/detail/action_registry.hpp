// The actions a master offers (proto-spec/actions.md A.1): names, descriptions, schemas and the
// handlers that run them, shared by every center link of the master.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "regcenter/action_stream.hpp"
#include "regcenter/proto/messages.hpp"

namespace regcenter::detail {

/// Thread-safe: handle()/remove_action() may run on any thread while links look handlers up.
class action_registry {
  public:
    /// Adds or replaces an action. Throws std::invalid_argument for a bad name, a description
    /// over 1024 bytes or an empty handler, and std::length_error when 256 other actions exist.
    /// Returns true if the advertised list changed.
    bool put(std::string name, action_handler handler, std::string description,
             std::optional<boost::json::object> args_schema);

    /// Removes an action; false if there was none.
    bool remove(const std::string& name);

    /// The advertised list, sorted by name.
    std::vector<proto::action_info> snapshot() const;

    /// The handler of `name`, or null. The handler stays valid while the caller holds it, even
    /// if the action is replaced or removed meanwhile.
    std::shared_ptr<const action_handler> find(std::string_view name) const;

  private:
    struct entry {
        proto::action_info info;
        std::shared_ptr<const action_handler> handler;
    };

    mutable std::mutex mutex_;
    std::map<std::string, entry, std::less<>> actions_;
};

/// Whether `name` is 1-128 characters of A-Z a-z 0-9 . _ : -
bool valid_action_name(std::string_view name);

/// The action_handler behind master::handle_call(): collects the input (at most
/// max_call_input bytes), calls `handler` when the center ends, writes the result and ends.
action_handler make_call_action(call_handler handler);

/// Input a call handler may receive; more fails the stream ("bad-args").
inline constexpr std::size_t max_call_input = action_stream::hard_limit();

}  // namespace regcenter::detail
