#include "regcenter/common/batching_stream.hpp"

namespace regcenter {

void batching_stream::release(std::shared_ptr<void> owner) {
    holding_ = false;
    if (held_.empty() || flushing_) {
        return;  // a flush in flight sent or will send everything held
    }
    ++sends_;
    flushing_ = true;
    net::async_write(
        next_, net::buffer(held_),
        [this, owner = std::move(owner)](beast::error_code ec, std::size_t) { flushed(ec); });
}

void batching_stream::flushed(beast::error_code ec) {
    flushing_ = false;
    // The batch's buffer is freed, not kept: an idle connection holds no batch memory.
    std::string().swap(held_);
    if (ec && !failed_) {
        failed_ = ec;
    }
    if (waiting_) {
        auto next = std::move(waiting_);
        waiting_ = nullptr;
        next();
    }
}

}  // namespace regcenter
