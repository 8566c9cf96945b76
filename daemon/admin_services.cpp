// Service routes: the registered service names, one service's instances with filters, and one
// master's services. Answered from the service index, never by visiting every session.
#include <boost/json.hpp>

#include "admin_routes.hpp"
#include "center_state.hpp"
#include "master_session.hpp"
#include "regcenter/common/time_format.hpp"

namespace regcenter::admin {
namespace json = boost::json;
namespace {

json::object instance_to_json(const indexed_instance& i, center_state& state) {
    json::object out = proto::to_json(static_cast<const proto::service_instance&>(i));
    out["registered_at"] = format_rfc3339(i.registered_at);
    if (auto session = state.sessions().find_master(i.master)) {
        out["last_seen_at"] = format_rfc3339(session->info().last_seen_at);
    }
    return out;
}

// ?meta.KEY=VALUE&label.KEY=VALUE, repeatable; nullopt with a 400 in `error` otherwise.
std::optional<instance_filter> read_filter(const route_context& ctx, http_response& error) {
    auto params = query_params(ctx.request.target());
    if (!params) {
        error = ctx.fail(http::status::bad_request, "bad-request",
                         "the query is not correctly URL-encoded");
        return std::nullopt;
    }
    instance_filter filter;
    for (auto& [key, value] : *params) {
        if (key.starts_with("meta.") && key.size() > 5) {
            filter.metadata[key.substr(5)] = std::move(value);
        } else if (key.starts_with("label.") && key.size() > 6) {
            filter.labels[key.substr(6)] = std::move(value);
        } else {
            error = ctx.fail(http::status::bad_request, "bad-request",
                             "unknown query parameter \"" + key +
                                 "\" (filters are meta.KEY=VALUE and label.KEY=VALUE)");
            return std::nullopt;
        }
    }
    return filter;
}

}  // namespace

http_response services_route(const route_context& ctx) {
    if (ctx.request.method() != http::verb::get) {
        return ctx.method_not_allowed("GET");
    }
    const std::string_view rest = ctx.path.substr(std::string_view("/v1/services").size());
    if (rest.empty() || rest == "/") {
        json::array list;
        for (const auto& [name, count] : ctx.state.services().names()) {
            list.push_back(json::object{{"name", name}, {"instances", count}});
        }
        return ctx.json(http::status::ok, json::object{{"services", std::move(list)}});
    }
    const std::string name(rest.substr(1));
    if (auto why = proto::check_service_name(name)) {
        return ctx.fail(http::status::bad_request, "bad-request", *why);
    }
    http_response error;
    auto filter = read_filter(ctx, error);
    if (!filter) {
        return error;
    }
    json::array instances;
    for (const auto& i : ctx.state.services().instances(name, *filter)) {
        instances.push_back(instance_to_json(i, ctx.state));
    }
    return ctx.json(http::status::ok,
                    json::object{{"service", name}, {"instances", std::move(instances)}});
}

http_response master_services_route(const route_context& ctx, const std::string& id) {
    if (ctx.request.method() != http::verb::get) {
        return ctx.method_not_allowed("GET");
    }
    if (!ctx.state.sessions().find_master(id)) {
        return ctx.fail(http::status::not_found, "master-not-found",
                        "no connected master has session id " + id);
    }
    json::array services;
    for (const auto& s : ctx.state.services().of_master(id)) {
        services.push_back(proto::to_json(s));
    }
    return ctx.json(http::status::ok,
                    json::object{{"master", id}, {"services", std::move(services)}});
}

}  // namespace regcenter::admin
