// `dnsstop config check FILE`: validate the operator's configuration.
#include <cstdio>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "core/config.h"

namespace dnsstop::cli {

int config_command(std::span<const std::string_view> args) {
  if (args.size() != 2 || args[0] != "check") throw std::invalid_argument("usage: dnsstop config check FILE");
  try {
    const Config config = load_config(std::string(args[1]));
    std::printf("%s: ok (%zu lists, snapshot %s)\n", config.source.c_str(), config.lists.size(),
                config.snapshot.path.c_str());
    return kExitOk;
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return kExitFailure;
  }
}

}  // namespace dnsstop::cli
