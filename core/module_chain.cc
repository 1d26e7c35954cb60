#include "core/module_chain.h"

#include <algorithm>
#include <vector>

namespace dnsstop {
namespace {

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    const std::size_t end = std::min(text.find_first_of(" \t", start), text.size());
    words.push_back(text.substr(start, end - start));
    at = end;
  }
  return words;
}

bool is_supported(std::string_view module_config) {
  const std::vector<std::string_view> words = words_of(module_config);
  for (const std::string_view chain : kSupportedModuleChains) {
    if (words == words_of(chain)) return true;
  }
  return false;
}

// What makes a chain of the operator's unprotectable, for the message.
std::string why_not(const std::vector<std::string_view>& words) {
  std::size_t dynlibs = 0;
  for (const std::string_view word : words) dynlibs += word == "dynlib" ? 1 : 0;
  if (dynlibs == 0) return "it does not load the dynlib module, so dnsstop never sees a query";
  if (dynlibs > 1) return "it loads dynlib more than once";
  for (const std::string_view word : words) {
    if (word == "subnetcache") {
      return "subnetcache keeps answers for client subnets in a cache of its own, which the module "
             "cannot check or purge";
    }
    if (word == "cachedb") {
      return "cachedb answers from and writes to an external cache past the module";
    }
    if (word == "respip") return "respip rewrites answers after the module has checked them";
    if (word == "python" || word == "ipsecmod" || word == "ipset") {
      return std::string(word) + " is not a module dnsstop has been verified with";
    }
  }
  return "dynlib must come right before the validator and iterator, after nothing but dns64";
}

}  // namespace

std::string module_chain_problem(std::string_view module_config) {
  if (is_supported(module_config)) return {};
  std::string supported;
  for (const std::string_view chain : kSupportedModuleChains) {
    supported += (supported.empty() ? "\"" : ", \"") + std::string(chain) + "\"";
  }
  return "Unbound's module-config \"" + std::string(module_config) + "\" cannot be protected by dnsstop: " +
         why_not(words_of(module_config)) + "; supported module-config values: " + supported;
}

bool module_chain_has_dns64(std::string_view module_config) {
  for (const std::string_view word : words_of(module_config)) {
    if (word == "dns64") return true;
  }
  return false;
}

}  // namespace dnsstop
