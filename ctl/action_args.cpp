// --args: any JSON value, handed to the action as is.
#include "action_args.hpp"

#include <boost/json.hpp>

#include "exit_codes.hpp"

namespace regcenter::ctl {

boost::json::value parse_args_flag(const std::string& text, const std::string& command) {
    boost::json::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec) {
        throw usage_error("--args: not valid JSON (" + ec.message() + "): " + text +
                              "; a string needs JSON quotes inside the shell's, e.g. --args "
                              "'\"hi\"', an object looks like --args '{\"ms\":100}'",
                          command);
    }
    return v;
}

}  // namespace regcenter::ctl
