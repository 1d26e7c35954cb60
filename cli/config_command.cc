// `dnsstop config check FILE [--unbound-conf UNBOUND.CONF]`: validate the operator's
// configuration, and the module chain of the Unbound that is to load the module.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "core/config.h"
#include "core/module_chain.h"

namespace dnsstop::cli {
namespace {

// What `unbound-checkconf -o module-config CONF` prints: the module-config Unbound
// will run with that file, includes and later settings taken into account. Throws
// with unbound-checkconf's own message when it finds the file bad.
std::string unbound_module_config(const std::string& unbound_conf) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("cannot create a pipe for unbound-checkconf");
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("cannot start unbound-checkconf");
  if (child == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    // Debian installs it in /usr/sbin, which a non-root PATH may lack.
    const std::string path = std::string(getenv("PATH") != nullptr ? getenv("PATH") : "") + ":/usr/sbin:/sbin";
    setenv("PATH", path.c_str(), 1);
    execlp("unbound-checkconf", "unbound-checkconf", "-o", "module-config", unbound_conf.c_str(), nullptr);
    std::fprintf(stderr, "cannot run unbound-checkconf: it is not installed");
    _exit(127);
  }
  close(out[1]);
  std::string output;
  std::array<char, 4096> buffer;
  ssize_t got;
  while ((got = read(out[0], buffer.data(), buffer.size())) > 0 || (got < 0 && errno == EINTR)) {
    if (got > 0) output.append(buffer.data(), static_cast<std::size_t>(got));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(unbound_conf + ": unbound-checkconf refused it: " + output);
  }
  return output;
}

}  // namespace

// unbound_conf: only when asked, since a machine may run Unbound without the module
// (dnsstop-sync's RPZ output for a stock Unbound, or no resolver at all).
int config_check_command(const std::string& file, const std::string& unbound_conf) {
  try {
    const Config config = load_config(file);
    std::printf("%s: ok (%zu lists, snapshot %s)\n", config.source.c_str(), config.lists.size(),
                config.snapshot.path.c_str());
  } catch (const ConfigError& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return kExitFailure;
  }
  if (unbound_conf.empty()) return kExitOk;
  try {
    const std::string module_config = unbound_module_config(unbound_conf);
    if (const std::string problem = module_chain_problem(module_config); !problem.empty()) {
      std::fprintf(stderr, "%s: %s\n", unbound_conf.c_str(), problem.c_str());
      return kExitFailure;
    }
    std::printf("%s: ok (module-config \"%s\")\n", unbound_conf.c_str(), module_config.c_str());
    return kExitOk;
  } catch (const std::runtime_error& error) {
    std::fprintf(stderr, "%s\n", error.what());
    return kExitFailure;
  }
}

}  // namespace dnsstop::cli
