// Joins the center at argv[1] with token argv[2], registers a service, checks that discover()
// finds it, and exits 0; 1 on any failure or after 20 s.
#include <chrono>
#include <future>
#include <iostream>

#include "regcenter/master.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: consumer ws://HOST:PORT TOKEN\n";
        return 2;
    }
    regcenter::master_config config;
    config.token = argv[2];
    config.name = "installed-sdk-consumer";
    regcenter::master master(config);
    master.register_service({"consumer", "1", {"tcp://127.0.0.1:1"}, {}});
    std::promise<void> authenticated;
    master.on_authenticated(
        [&](const std::string&, const std::string&) { authenticated.set_value(); });
    master.connect(std::string_view(argv[1]));
    if (authenticated.get_future().wait_for(std::chrono::seconds(20)) !=
        std::future_status::ready) {
        std::cerr << "not authenticated within 20 s\n";
        return 1;
    }
    std::promise<std::size_t> found;
    master.discover("consumer", {}, [&](boost::system::error_code ec, auto instances) {
        found.set_value(ec ? 0 : instances.size());
    });
    auto answer = found.get_future();
    if (answer.wait_for(std::chrono::seconds(20)) != std::future_status::ready ||
        answer.get() != 1) {
        std::cerr << "discover did not find the registered service\n";
        return 1;
    }
    std::cout << "installed SDK works\n";
    master.close();
    master.wait_closed(std::chrono::seconds(5));
    return 0;
}
