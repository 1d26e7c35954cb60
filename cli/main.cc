// dnsstop: the operator's command line. Dispatches to one subcommand.
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "cli/commands.h"

namespace {

constexpr std::string_view kUsage =
    "usage: dnsstop COMMAND [ARGS]\n"
    "\n"
    "  compile -o OUT.snap [--allow FILE]... [--created UNIX_TIME] [--accept-public-suffixes] LIST...\n"
    "        Compile lists into a snapshot. LIST is FILE, NAME=FILE or NAME:ACTION=FILE\n"
    "        (ACTION: stoppage, nxdomain, nodata; default stoppage; NAME defaults to the\n"
    "        file's base name). --allow adds an allowlist of operator exceptions.\n"
    "  compile --config dnsstop.yaml [-o OUT.snap]\n"
    "        Compile the lists the configuration names (each needs a file: key) into\n"
    "        the configuration's snapshot path, or OUT.snap.\n"
    "        Refuses lists that block a protected name (protected_names) or a whole\n"
    "        public suffix (--accept-public-suffixes to compile those anyway).\n"
    "  config check FILE [--unbound-conf UNBOUND.CONF]\n"
    "        Validate a configuration file; errors name file, line, column and key.\n"
    "        With --unbound-conf, also check that this Unbound configuration runs a\n"
    "        module chain the module can protect (e.g. /etc/unbound/unbound.conf).\n"
    "  lookup SNAPSHOT NAME...\n"
    "        Say for each name whether the snapshot blocks it, and by which entry.\n"
    "  info SNAPSHOT\n"
    "        Print the snapshot's version, lists, entries and size.\n"
    "  check [--server ADDR|ADDR:PORT|[ADDR6]:PORT] [--config FILE] [--http-port PORT] [NAME]\n"
    "        Ask a resolver (default: /etc/resolv.conf's) for the consumer check NAME\n"
    "        (default: the configuration's stoppage.check_host) and say whether it\n"
    "        blocks. Exit 0 blocks, 1 does not, 2 cannot tell.\n"
    "  history [--config FILE] NAME\n"
    "        Since when, by which list and serial, and signed by whom NAME (or an entry\n"
    "        covering it) was added and removed, from dnsstop-sync's journals.\n"
    "  history [--config FILE] --list LIST\n"
    "        Every version of LIST dnsstop-sync saw: applied, held or refused, and why.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage.data(), args.empty() ? stderr : stdout);
    return args.empty() ? dnsstop::cli::kExitUsage : dnsstop::cli::kExitOk;
  }
  const std::string_view command = args[0];
  const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  try {
    if (command == "compile") return dnsstop::cli::compile_command(rest);
    if (command == "lookup") return dnsstop::cli::lookup_command(rest);
    if (command == "info") return dnsstop::cli::info_command(rest);
    if (command == "config") return dnsstop::cli::config_command(rest);
    if (command == "check") return dnsstop::cli::check_command(rest);
    if (command == "history") return dnsstop::cli::history_command(rest);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dnsstop %.*s: %s\n", static_cast<int>(command.size()), command.data(), error.what());
    return dnsstop::cli::kExitUsage;
  }
  std::fprintf(stderr, "dnsstop: unknown command '%.*s'\n\n%s", static_cast<int>(command.size()), command.data(),
               kUsage.data());
  return dnsstop::cli::kExitUsage;
}
