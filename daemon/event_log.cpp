#include "event_log.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

#include "regcenter/common/random_id.hpp"
#include "regcenter/common/time_format.hpp"

namespace regcenter {
namespace json = boost::json;

event_log::event_log(std::size_t history) : history_(history), run_(random_hex_id(8)) {}

bool event_filter::matches(const event& e) const {
    if (!types.empty() && !types.contains(e.type)) {
        return false;
    }
    if (!services.empty()) {
        const json::value* service = e.data().if_contains("service");
        return service != nullptr && service->is_string() &&
               services.contains(std::string(service->get_string()));
    }
    return true;
}

const json::object& event::data() const {
    std::call_once(built_, [this] {
        if (build_) {
            data_ = build_();
            build_ = nullptr;  // what it captured is not needed any more
        }
    });
    return data_;
}

const std::string& event::json() const {
    std::call_once(serialized_, [this] {
        json::object whole{{"index", index}, {"type", type}, {"at", format_rfc3339(at)}};
        for (const auto& [k, v] : data()) {
            whole[k] = v;
        }
        json_ = json::serialize(whole);
    });
    return json_;
}

std::uint64_t event_log::publish(std::string type, json::object data) {
    auto e = std::make_shared<event>();
    e->type = std::move(type);
    e->data_ = std::move(data);
    return publish(std::move(e));
}

std::uint64_t event_log::publish_lazily(std::string type, event_data_builder build) {
    auto e = std::make_shared<event>();
    e->type = std::move(type);
    e->build_ = std::move(build);
    return publish(std::move(e));
}

std::uint64_t event_log::publish(std::shared_ptr<event> e) {
    e->at = std::chrono::system_clock::now();
    {
        std::lock_guard lock(mutex_);
        e->index = next_index_++;
        events_.push_back(e);
        if (events_.size() > history_) {
            events_.pop_front();
        }
        // Handed over under the lock so that every subscriber sees events in index order.
        for (const auto& [id, on_event] : subscribers_) {
            on_event(e);
        }
    }
    return e->index;
}

std::optional<std::vector<event_ptr>> event_log::since_locked(std::uint64_t index,
                                                              const event_filter& filter) const {
    const std::uint64_t first = events_.empty() ? next_index_ : events_.front()->index;
    if (index + 1 < first) {
        return std::nullopt;  // events after `index` are gone
    }
    std::vector<event_ptr> out;
    const std::uint64_t skip = index + 1 - first;
    for (auto it = events_.begin() +
                   static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(skip, events_.size()));
         it != events_.end(); ++it) {
        if (filter.matches(**it)) {
            out.push_back(*it);
        }
    }
    return out;
}

std::optional<std::vector<event_ptr>> event_log::since(std::uint64_t index,
                                                       const event_filter& filter) const {
    std::lock_guard lock(mutex_);
    return since_locked(index, filter);
}

std::uint64_t event_log::last_index() const {
    std::lock_guard lock(mutex_);
    return next_index_ - 1;
}

std::uint64_t event_log::first_index() const {
    std::lock_guard lock(mutex_);
    return events_.empty() ? next_index_ : events_.front()->index;
}

std::uint64_t event_log::subscribe(std::uint64_t index,
                                   std::optional<std::vector<event_ptr>>& backlog,
                                   listener on_event) {
    std::lock_guard lock(mutex_);
    backlog = since_locked(index, {});
    const std::uint64_t id = next_subscriber_++;
    subscribers_.emplace_back(id, std::move(on_event));
    return id;
}

event_log::watch_start event_log::watch(std::optional<std::uint64_t> since,
                                        const event_filter& filter, listener on_event) {
    std::lock_guard lock(mutex_);
    watch_start out;
    out.last_index = next_index_ - 1;
    out.first_index = events_.empty() ? next_index_ : events_.front()->index;
    if (since) {
        auto backlog = *since <= out.last_index ? since_locked(*since, filter) : std::nullopt;
        if (!backlog) {
            out.too_old = true;
            return out;
        }
        out.backlog = std::move(*backlog);
    }
    out.subscriber = next_subscriber_++;
    subscribers_.emplace_back(out.subscriber, std::move(on_event));
    return out;
}

void event_log::unsubscribe(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [id](const auto& s) { return s.first == id; });
}

std::size_t event_log::subscribers() const {
    std::lock_guard lock(mutex_);
    return subscribers_.size();
}

}  // namespace regcenter
