// GET /metrics: the Prometheus exposition, behind the admin token unless admin.metrics_public
// lets a scraper in without it (the numbers name no master and carry no secret).
#include "admin_routes.hpp"
#include "center_state.hpp"

namespace regcenter::admin {

http_response metrics_route(const route_context& ctx) {
    if (!ctx.state.options().admin_metrics_public && !authorized(ctx.state, ctx.request)) {
        return unauthorized(ctx);
    }
    if (ctx.request.method() != http::verb::get) {
        return ctx.method_not_allowed("GET");
    }
    http_response res{http::status::ok, ctx.request.version()};
    res.set(http::field::content_type, metrics::content_type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(ctx.request.keep_alive());
    res.body() = ctx.state.metrics().render();
    res.prepare_payload();
    return res;
}

}  // namespace regcenter::admin
