// The actions a master offers (see action_registry.hpp).
#include "action_registry.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

#include "regcenter/proto/protocol.hpp"

namespace regcenter::detail {

bool valid_action_name(std::string_view name) {
    if (name.empty() || name.size() > proto::limits::max_action_name) {
        return false;
    }
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool action_registry::put(std::string name, action_handler handler, std::string description,
                          std::optional<boost::json::object> args_schema) {
    if (!valid_action_name(name)) {
        throw std::invalid_argument("regcenter::master: action name \"" + name +
                                    "\" is not 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
    if (description.size() > proto::limits::max_action_description) {
        throw std::invalid_argument("regcenter::master: the description of action \"" + name +
                                    "\" is longer than 1024 bytes");
    }
    if (!handler) {
        throw std::invalid_argument("regcenter::master: empty handler for action \"" + name + "\"");
    }
    entry e{proto::action_info{name, std::move(description), std::move(args_schema)},
            std::make_shared<const action_handler>(std::move(handler))};

    std::lock_guard lock(mutex_);
    auto it = actions_.find(name);
    if (it == actions_.end()) {
        if (actions_.size() >= proto::limits::max_actions) {
            throw std::length_error("regcenter::master: more than 256 actions");
        }
        actions_.emplace(std::move(name), std::move(e));
        return true;
    }
    const bool changed = !(it->second.info == e.info);
    it->second = std::move(e);
    return changed;
}

bool action_registry::remove(const std::string& name) {
    std::lock_guard lock(mutex_);
    return actions_.erase(name) > 0;
}

std::vector<proto::action_info> action_registry::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<proto::action_info> out;
    out.reserve(actions_.size());
    for (const auto& [name, e] : actions_) {
        out.push_back(e.info);
    }
    return out;
}

std::shared_ptr<const action_handler> action_registry::find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = actions_.find(name);
    return it == actions_.end() ? nullptr : it->second.handler;
}

action_handler make_call_action(call_handler handler) {
    auto shared = std::make_shared<const call_handler>(std::move(handler));
    return [shared](std::shared_ptr<action_stream> stream) {
        auto input = std::make_shared<std::string>();
        // The callbacks live in the stream, so they hold it weakly: no reference cycle.
        std::weak_ptr<action_stream> weak = stream;
        stream->on_data([weak, input](std::string_view bytes) {
            if (bytes.size() > max_call_input - input->size()) {
                if (auto s = weak.lock()) {
                    s->fail("input larger than " + std::to_string(max_call_input) + " bytes",
                            proto::stream_error_code::bad_args);
                }
                input->clear();
                input->shrink_to_fit();
                return;
            }
            input->append(bytes);
        });
        stream->on_end([weak, input, shared] {
            auto s = weak.lock();
            if (!s) {
                return;
            }
            std::string output;
            try {
                output = (*shared)(s->args(), std::move(*input));
            } catch (const std::exception& e) {
                s->fail(e.what());
                return;
            } catch (...) {
                s->fail("the call handler threw");
                return;
            }
            s->write(output);
            s->end();
        });
    };
}

}  // namespace regcenter::detail
