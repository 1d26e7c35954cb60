// `dnsstop unbound-update plan|pending`: the Unbound update decisions of
// core/unbound_updates.h for the scripts that fetch and apply them
// (dnsstop-rebuild, dnsstop-unbound-check). apt's output comes on standard
// input; the answer goes to standard output as "KEY VALUE" lines, one per key,
// which the scripts read by key.
#include <cstdio>
#include <stdexcept>
#include <string>

#include "cli/commands.h"
#include "core/printable.h"
#include "core/unbound_updates.h"

namespace dnsstop::cli {
namespace {

using unbound_updates::VersionsRead;

// apt-cache's output for one package is a few kilobytes; this bounds a runaway input.
constexpr std::size_t kMaxInputBytes = std::size_t{16} << 20;

std::string read_standard_input() {
  std::string text;
  char buffer[65536];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof(buffer), stdin)) > 0) {
    text.append(buffer, got);
    if (text.size() > kMaxInputBytes)
      throw std::invalid_argument("standard input: more than " + std::to_string(kMaxInputBytes) + " bytes");
  }
  if (std::ferror(stdin)) throw std::runtime_error("standard input: read error");
  return text;
}

DebianVersion version_option(const char* option, const std::string& text) {
  ParsedDebianVersion parsed = parse_debian_version(text);
  if (!parsed.ok()) throw std::invalid_argument(std::string(option) + ": bad Debian version " + in_quotes(text) +
                                                ": " + parsed.error);
  return *parsed.value;
}

std::optional<DebianVersion> optional_version_option(const char* option, const std::string& text) {
  if (text.empty()) return std::nullopt;
  return version_option(option, text);
}

VersionsRead checked(VersionsRead read) {
  if (!read.ok()) throw std::invalid_argument(read.error);
  return read;
}

}  // namespace

int unbound_update_plan_command(const UnboundUpdatePlanOptions& options) {
  const DebianVersion dnsstop_version = version_option("--dnsstop-version", options.dnsstop_version);
  const unbound_updates::Repository repository{
      optional_version_option("--repository-unbound", options.repository_unbound),
      optional_version_option("--repository-module", options.repository_module)};
  const std::string input = read_standard_input();
  const VersionsRead sources =
      checked(unbound_updates::showsrc_versions(input, "unbound", "standard input (apt-cache showsrc)"));
  const std::optional<DebianVersion> newest = newest_version(sources.versions);
  if (!newest)
    throw std::invalid_argument("standard input (apt-cache showsrc) names no version of source package unbound");
  const unbound_updates::RebuildPlan plan = unbound_updates::plan_rebuild(*newest, dnsstop_version, repository);
  const std::string binnmu = plan.binnmu == 0 ? "none" : std::to_string(plan.binnmu);
  std::printf("decision %s\nnewest-debian-source %s\nbinnmu %s\nreason %s\n",
              std::string(unbound_updates::decision_name(plan.decision)).c_str(), newest->text().c_str(),
              binnmu.c_str(), plan.reason.c_str());
  return kExitOk;
}

int unbound_update_pending_command(const UnboundUpdatePendingOptions& options) {
  const DebianVersion installed = version_option("--installed", options.installed);
  const std::string input = read_standard_input();
  const VersionsRead debian = checked(
      unbound_updates::madison_debian_versions(input, "unbound", options.release, "standard input (apt-cache madison)"));
  const unbound_updates::PendingUpdate update = unbound_updates::pending_update(installed, debian.versions);
  std::printf("pending %s\ninstalled %s\nsource %s\nnewest-debian %s\n", update.pending ? "yes" : "no",
              installed.text().c_str(), update.source.text().c_str(),
              update.newest_debian ? update.newest_debian->text().c_str() : "none");
  return kExitOk;
}

}  // namespace dnsstop::cli
