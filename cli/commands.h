// The subcommands of the `dnsstop` operator tool. cli/main.cc reads the command
// line into these options (core/command_line.h); each command prints to
// stdout/stderr and returns the exit code (core/exit_code.h). Main thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address_port.h"
#include "core/exit_code.h"

namespace dnsstop::cli {

// `dnsstop check`: the resolver blocks (kExitOk), does not (kExitFailure), or
// nobody can tell (kExitCannotTell: no answer, SERVFAIL, NXDOMAIN or NODATA without
// an extended DNS error). Bad arguments are kExitUsage, as everywhere.
inline constexpr int kExitCannotTell = 3;

struct CompileOptions {
  std::string output;                // -o; "" = the configuration's snapshot path
  std::vector<std::string> lists;    // FILE, NAME=FILE or NAME:ACTION=FILE
  std::vector<std::string> allow;    // allowlist files
  std::string config;                // --config; "" = none
  bool accept_public_suffixes = false;
  std::optional<std::uint64_t> created_unix;  // nothing: now
};

struct CheckOptions {
  std::optional<AddressPort> server;  // nothing: /etc/resolv.conf's resolvers
  std::string config;                 // the configuration (default_config_path() unless --config)
  std::uint16_t http_port = 80;
  std::string name;                   // "": the configuration's stoppage.check_host
};

struct HistoryOptions {
  std::string config;
  std::string list;  // --list LIST, or
  std::string name;  // NAME
};

// `dnsstop unbound-update plan`: apt-cache showsrc's output on standard input.
struct UnboundUpdatePlanOptions {
  std::string dnsstop_version;     // the dnsstop being built (its changelog's version)
  std::string repository_unbound;  // "": the repository has none
  std::string repository_module;   // dnsstop-unbound-module's; "": none
};

// `dnsstop unbound-update pending`: apt-cache madison unbound's output on standard input.
struct UnboundUpdatePendingOptions {
  std::string installed;  // the installed unbound's version
  std::string release;    // this Debian release's code name
};

int compile_command(const CompileOptions& options);
int lookup_command(const std::string& snapshot, const std::vector<std::string>& names);
int info_command(const std::string& snapshot);
int config_check_command(const std::string& file, const std::string& unbound_conf);
int history_command(const HistoryOptions& options);
int check_command(const CheckOptions& options);
int unbound_update_plan_command(const UnboundUpdatePlanOptions& options);
int unbound_update_pending_command(const UnboundUpdatePendingOptions& options);

}  // namespace dnsstop::cli
