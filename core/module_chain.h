// Which of Unbound's module chains (its `module-config` setting) the dnsstop module
// can protect, decided before it serves a query: by the module when Unbound starts
// it, and by `dnsstop config check` beforehand (docs/unbound-module.md, "Module
// chains", says why each is or is not supported).
//
// Pure; any thread; O(length of the setting).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace dnsstop {

// The chains the module supports, exactly as Unbound reads them (words separated by
// blanks). dynlib runs first of the resolving modules so that it sees every query
// and every resolved answer; dns64 may run before it, and then synthesises an
// IPv6-only client's AAAA answer from the stop page's IPv4 address.
inline constexpr std::array<std::string_view, 4> kSupportedModuleChains = {
    "dynlib validator iterator",
    "dynlib iterator",
    "dns64 dynlib validator iterator",
    "dns64 dynlib iterator",
};

// Empty when the module can protect `module_config`; otherwise why not, naming the
// chain and the supported ones, ready for a log line or an error message.
std::string module_chain_problem(std::string_view module_config);

// Whether the chain has Unbound's dns64 module (it must be a supported chain).
bool module_chain_has_dns64(std::string_view module_config);

}  // namespace dnsstop
