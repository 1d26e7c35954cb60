// dnsstop: the operator's command line. Reads the arguments (core/command_line.h)
// and runs one subcommand (cli/commands.h).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/command_line.h"
#include "core/printable.h"

namespace {

using dnsstop::kExitUsage;

constexpr const char* kCompileHelp =
    "Compile lists into a snapshot. LIST is FILE, NAME=FILE or NAME:ACTION=FILE (ACTION: stoppage, nxdomain, "
    "nodata; default stoppage; NAME defaults to the file's base name). With --config, the lists the configuration "
    "names (each needs a file: key) come first, and the snapshot goes to the configuration's path unless -o names "
    "another. Refuses lists that block a protected name (protected_names) or a whole public suffix "
    "(--accept-public-suffixes compiles those anyway).";
constexpr const char* kUnboundUpdatePlanHelp =
    "Decide whether the operator's repository needs Debian's newest unbound rebuilt with the module, and dnsstop's "
    "packages built against it (dnsstop-rebuild). Reads `apt-cache showsrc --only-source unbound` on standard input; "
    "prints the lines 'decision rebuild|up-to-date|refused', 'newest-debian-source VERSION', 'binnmu N|none' (the "
    "+bN dnsstop's packages get: the same dnsstop rebuilt against a newer Unbound) and 'reason TEXT'.";
constexpr const char* kUnboundUpdatePendingHelp =
    "Decide whether apt offers a Debian unbound newer than the source of the installed one "
    "(dnsstop-unbound-check). Reads `apt-cache madison unbound` on standard input; only Debian's own builds in "
    "RELEASE, RELEASE-security and RELEASE-updates count, not backports, another release's or a dnsstop rebuild. "
    "Prints the lines 'pending yes|no', 'installed VERSION', 'source VERSION' and 'newest-debian VERSION|none'.";
constexpr const char* kCheckHelp =
    "Ask a resolver (default: /etc/resolv.conf's) for the consumer check NAME (default: the configuration's "
    "stoppage.check_host) and say whether it blocks. Exit 0 blocks, 1 does not, 3 cannot tell "
    "(2: bad arguments).";

}  // namespace

int main(int argc, char** argv) {
  namespace cli = dnsstop::cli;
  namespace command_line = dnsstop::command_line;
  command_line::App app(
      "The operator's tool: compile lists into a snapshot, look inside one, validate the configuration, check that a "
      "resolver blocks, tell a name's history, and decide what a Debian update of Unbound calls for.",
      "dnsstop");
  app.require_subcommand(1);

  cli::CompileOptions compile;
  CLI::App* compile_app = app.add_subcommand("compile", kCompileHelp);
  compile_app->add_option("-o,--output", compile.output, "The snapshot to write")->option_text("OUT.snap");
  compile_app->add_option("--allow", compile.allow, "An allowlist of operator exceptions (repeatable)")
      ->option_text("FILE")
      ->allow_extra_args(false);
  compile_app->add_option("--config", compile.config, "Compile the lists this configuration names")
      ->option_text("dnsstop.yaml");
  command_line::add_decimal(*compile_app, "--created", compile.created_unix,
                            "The snapshot's creation time (default: now)", {0, UINT64_MAX, "Unix time", "UNIX_TIME"});
  compile_app->add_flag("--accept-public-suffixes", compile.accept_public_suffixes,
                        "Compile entries that block a whole public suffix");
  compile_app->add_option("LIST", compile.lists, "FILE, NAME=FILE or NAME:ACTION=FILE");

  std::string lookup_snapshot;
  std::vector<std::string> lookup_names;
  CLI::App* lookup_app =
      app.add_subcommand("lookup", "Say for each name whether the snapshot blocks it, and by which entry.");
  lookup_app->add_option("SNAPSHOT", lookup_snapshot, "The snapshot file")->required();
  lookup_app->add_option("NAME", lookup_names, "Names to look up")->required();

  std::string info_snapshot;
  CLI::App* info_app = app.add_subcommand("info", "Print the snapshot's version, lists, entries and size.");
  info_app->add_option("SNAPSHOT", info_snapshot, "The snapshot file")->required();

  std::string config_file;
  std::string unbound_conf;
  CLI::App* config_app = app.add_subcommand("config", "Work with a configuration file.");
  config_app->require_subcommand(1);
  CLI::App* config_check_app = config_app->add_subcommand(
      "check", "Validate a configuration file; errors name file, line, column and key. Exit 1 when it is bad.");
  config_check_app->add_option("FILE", config_file, "The configuration file")->required();
  config_check_app
      ->add_option("--unbound-conf", unbound_conf,
                   "Also check that this Unbound configuration runs a module chain the module can protect "
                   "(e.g. /etc/unbound/unbound.conf)")
      ->option_text("UNBOUND.CONF");

  cli::CheckOptions check;
  check.config = command_line::default_config_path();
  CLI::App* check_app = app.add_subcommand("check", kCheckHelp);
  check_app
      ->add_option_function<std::string>(
          "--server",
          [&check](const std::string& text) {
            const dnsstop::ParsedAddressPort server = dnsstop::parse_address_port(text, 53);
            if (!server.ok()) throw CLI::ValidationError("--server", server.error);
            check.server = server.value;
          },
          "The resolver to ask (port 53 unless given)")
      ->option_text("ADDR|ADDR:PORT|[ADDR6]:PORT");
  check_app->add_option("--config", check.config, "The configuration (default: $DNSSTOP_CONFIG or "
                                                  "/etc/dnsstop/dnsstop.yaml)")
      ->option_text("FILE");
  check_app->add_option("--http-port", check.http_port, "The stop page's HTTP port, for /check.json (default 80)")
      ->check(command_line::port())
      ->option_text("PORT");
  check_app->add_option("NAME", check.name, "The check name");

  cli::HistoryOptions history;
  history.config = command_line::default_config_path();
  CLI::App* history_app = app.add_subcommand(
      "history",
      "From dnsstop-sync's journals: since when, by which list and serial, and signed by whom NAME (or an entry "
      "covering it) was added and removed; or with --list, every version of LIST dnsstop-sync saw: applied, held "
      "or refused, and why.");
  history_app->add_option("--config", history.config, "The configuration (default: $DNSSTOP_CONFIG or "
                                                      "/etc/dnsstop/dnsstop.yaml)")
      ->option_text("FILE");
  CLI::Option* list_option = history_app->add_option("--list", history.list, "The list whose versions to show");
  CLI::Option* name_option = history_app->add_option("NAME", history.name, "The name whose history to show");
  list_option->excludes(name_option);

  cli::UnboundUpdatePlanOptions unbound_plan;
  cli::UnboundUpdatePendingOptions unbound_pending;
  CLI::App* unbound_update_app = app.add_subcommand(
      "unbound-update", "Decide what a Debian update of Unbound calls for (docs/operating.md, \"Unbound security "
                        "updates\"); the scripts dnsstop-rebuild and dnsstop-unbound-check ask this.");
  unbound_update_app->require_subcommand(1);
  CLI::App* unbound_plan_app = unbound_update_app->add_subcommand("plan", kUnboundUpdatePlanHelp);
  unbound_plan_app->add_option("--dnsstop-version", unbound_plan.dnsstop_version, "The dnsstop version being built")
      ->required()
      ->option_text("VERSION");
  unbound_plan_app
      ->add_option("--repository-unbound", unbound_plan.repository_unbound,
                   "The repository's unbound (omitted: it has none)")
      ->option_text("VERSION");
  unbound_plan_app
      ->add_option("--repository-module", unbound_plan.repository_module,
                   "The repository's dnsstop-unbound-module (omitted: it has none)")
      ->option_text("VERSION");
  CLI::App* unbound_pending_app = unbound_update_app->add_subcommand("pending", kUnboundUpdatePendingHelp);
  unbound_pending_app->add_option("--installed", unbound_pending.installed, "The installed unbound's version")
      ->required()
      ->option_text("VERSION");
  unbound_pending_app->add_option("--release", unbound_pending.release, "This Debian release's code name")
      ->required()
      ->check(CLI::Validator(
          [](const std::string& text) {
            const bool code_name = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == text.npos;
            return code_name ? std::string() : "not a Debian code name (bookworm): " + dnsstop::in_quotes(text, '\'');
          },
          "", "code name"))
      ->option_text("RELEASE");

  if (const std::optional<int> done = command_line::parse(app, argc, argv)) return *done;
  const CLI::App* chosen = app.get_subcommands().front();
  try {
    if (chosen == compile_app) return cli::compile_command(compile);
    if (chosen == lookup_app) return cli::lookup_command(lookup_snapshot, lookup_names);
    if (chosen == info_app) return cli::info_command(info_snapshot);
    if (chosen == config_app) return cli::config_check_command(config_file, unbound_conf);
    if (chosen == check_app) return cli::check_command(check);
    if (chosen == unbound_update_app) {
      if (unbound_update_app->got_subcommand(unbound_plan_app)) return cli::unbound_update_plan_command(unbound_plan);
      return cli::unbound_update_pending_command(unbound_pending);
    }
    return cli::history_command(history);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "dnsstop %s: %s\n", chosen->get_name().c_str(), error.what());
    return kExitUsage;
  }
}
