// Endpoint and token resolution: flags, then the environment, then the daemon's config file.
#include "options.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "config.hpp"
#include "exit_codes.hpp"
#include "regcenter/common/net.hpp"

namespace regcenter::ctl {

resolve_environment resolve_environment::system() {
    resolve_environment env;
    env.getenv = [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        // An empty variable counts as unset, as `REGCENTER_TOKEN= regcenterctl …` intends.
        if (value == nullptr || *value == '\0') {
            return std::nullopt;
        }
        return std::string(value);
    };
    return env;
}

std::optional<connection_settings> parse_admin_address(std::string_view text) {
    std::string host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        beast::error_code ec;
        net::ip::make_address_v6(host, ec);
        if (ec) {
            return std::nullopt;
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || colon == 0 ||
            text.substr(0, colon).find(':') != std::string_view::npos) {
            return std::nullopt;  // IPv6 needs brackets, so the port can't be mistaken
        }
        host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || end != port.data() + port.size() || ec != std::errc{} || number == 0 ||
        number > 65535 || host.empty()) {
        return std::nullopt;
    }

    beast::error_code not_numeric;
    const auto ip = net::ip::make_address(host, not_numeric);
    if (!not_numeric && ip.is_unspecified()) {
        // A daemon bound to every interface is reachable on loopback.
        host = ip.is_v4() ? "127.0.0.1" : "::1";
    }
    connection_settings out;
    const bool v6 = host.find(':') != std::string::npos;
    out.host = host;
    out.port = std::to_string(number);
    out.address = (v6 ? "[" + host + "]" : host) + ":" + out.port;
    return out;
}

namespace {

constexpr std::string_view default_address = "127.0.0.1:8011";

connection_settings address_from(std::string_view text, const std::string& source) {
    auto parsed = parse_admin_address(text);
    if (!parsed) {
        throw ctl_error(exit_usage, source + ": invalid address \"" + std::string(text) +
                                        "\" (expected HOST:PORT, e.g. 127.0.0.1:8011 or "
                                        "[::1]:8011)");
    }
    parsed->address_source = source;
    return *parsed;
}

std::string read_token_file(const std::string& path) {
    errno = 0;
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw ctl_error(exit_usage, "cannot read --token-file " + path + ": " +
                                        (errno != 0 ? std::strerror(errno) : "cannot open it"));
    }
    std::string token{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    // Files written by `echo` or an editor end with a newline that is not part of the token.
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                              token.back() == '\t')) {
        token.pop_back();
    }
    if (token.empty()) {
        throw ctl_error(exit_usage, "--token-file " + path + " is empty");
    }
    return token;
}

// The daemon's config file, if one is named or the default exists.
struct config_source {
    std::string path;
    std::string named_by;  // "--config", "REGCENTER_CONFIG", "the default path"
};

std::optional<config_source> find_config(const connection_flags& flags,
                                         const resolve_environment& env) {
    if (flags.config) {
        return config_source{*flags.config, "--config"};
    }
    if (auto path = env.getenv("REGCENTER_CONFIG")) {
        return config_source{*path, "REGCENTER_CONFIG"};
    }
    std::error_code ec;
    if (!env.default_config.empty() && std::filesystem::exists(env.default_config, ec)) {
        return config_source{env.default_config, "the default path"};
    }
    return std::nullopt;
}

daemon_config load_daemon_config(const config_source& source) {
    try {
        return load_config({"--config", source.path}).config;
    } catch (const std::exception& e) {
        // The loader's message names the file, the line and the key.
        throw ctl_error(exit_usage,
                        "cannot use the daemon's configuration (" + source.path + ", from " +
                            source.named_by + "): " + e.what() +
                            "; fix it, or pass --addr and --token (or REGCENTER_ADDR and "
                            "REGCENTER_TOKEN) instead");
    }
}

}  // namespace

connection_settings resolve_connection(const connection_flags& flags,
                                       const resolve_environment& env) {
    if (flags.token && flags.token_file) {
        throw usage_error("--token and --token-file can't both be given");
    }

    std::optional<connection_settings> out;
    if (flags.addr) {
        out = address_from(*flags.addr, "--addr");
    } else if (auto addr = env.getenv("REGCENTER_ADDR")) {
        out = address_from(*addr, "REGCENTER_ADDR");
    }

    std::optional<std::string> token;
    std::string token_source;
    if (flags.token) {
        if (flags.token->empty()) {
            throw usage_error("--token is empty");
        }
        token = *flags.token;
        token_source = "--token";
    } else if (flags.token_file) {
        token = read_token_file(*flags.token_file);
        token_source = "--token-file " + *flags.token_file;
    } else if (auto value = env.getenv("REGCENTER_TOKEN")) {
        token = *value;
        token_source = "REGCENTER_TOKEN";
    }

    std::optional<config_source> config;
    if (!out || !token) {
        config = find_config(flags, env);
    }
    if (config) {
        const daemon_config loaded = load_daemon_config(*config);
        if (!out) {
            const std::string source = "admin.listen in " + config->path;
            const std::string& listen = loaded.center.admin_listen;
            if (listen.ends_with(":0")) {
                throw ctl_error(exit_usage, source + " is " + listen +
                                                " (port 0: a free port picked at start); pass "
                                                "--addr with the port regcenterd logged");
            }
            out = address_from(listen, source);
        }
        if (!token) {
            if (loaded.center.admin_token.empty()) {
                throw ctl_error(exit_usage,
                                "no admin token: " + config->path +
                                    " has no admin.token, so that daemon's admin API is "
                                    "disabled; set admin.token there, or pass --token or "
                                    "--token-file, or set REGCENTER_TOKEN");
            }
            token = loaded.center.admin_token;
            token_source = "admin.token in " + config->path;
        }
    }

    if (!out) {
        out = address_from(default_address, "the default");
    }
    if (!token) {
        throw ctl_error(exit_usage,
                        "no admin token: pass --token or --token-file, set REGCENTER_TOKEN, or "
                        "point --config (or REGCENTER_CONFIG) at the daemon's configuration "
                        "file");
    }
    out->token = std::move(*token);
    out->token_source = std::move(token_source);
    return *out;
}

}  // namespace regcenter::ctl
