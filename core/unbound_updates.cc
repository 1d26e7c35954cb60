#include "core/unbound_updates.h"

#include <algorithm>

#include "core/decimal.h"
#include "core/printable.h"
#include "core/split.h"

namespace dnsstop::unbound_updates {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> result;
  for (std::string_view word : split(text, ' '))
    if (!word.empty()) result.push_back(word);
  return result;
}

// The first `length` characters of `version`, if they are a version themselves
// (not so for "1.0-" of "1.0-+dnsstop1").
std::optional<DebianVersion> prefix_version(const DebianVersion& version, std::size_t length) {
  return parse_debian_version(std::string_view(version.text()).substr(0, length)).value;
}

// The +bN the next build of `dnsstop_version` gets, given the repository's module.
unsigned next_binnmu(const std::optional<DnsstopBuild>& module, const DebianVersion& dnsstop_version) {
  return module && module->dnsstop == dnsstop_version ? module->binnmu + 1 : 0;
}

RebuildPlan rebuild(unsigned binnmu, std::string reason) {
  return {RebuildPlan::Decision::kRebuild, binnmu, std::move(reason)};
}
RebuildPlan refused(std::string reason) { return {RebuildPlan::Decision::kRefused, 0, std::move(reason)}; }

// Whether madison's "SUITE/COMPONENT" is one of `release`'s own suites.
bool own_suite(std::string_view suite_component, std::string_view release) {
  const std::size_t slash = suite_component.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view suite = suite_component.substr(0, slash);
  if (suite.substr(0, release.size()) != release) return false;
  const std::string_view rest = suite.substr(release.size());
  return rest.empty() || rest == "-security" || rest == "-updates";
}

std::string line_error(std::string_view where, std::size_t number, const std::string& what) {
  return std::string(where) + " line " + std::to_string(number) + ": " + what;
}

// Appends `version`, read at line `number` of `where`, to `result`; false (and
// `result.error` set) when it is not a Debian version.
bool add_version(VersionsRead& result, std::string_view version, std::string_view where, std::size_t number) {
  ParsedDebianVersion parsed = parse_debian_version(version);
  if (!parsed.ok()) {
    result.error = line_error(where, number, "bad version " + in_quotes(version) + ": " + parsed.error);
    return false;
  }
  result.versions.push_back(*parsed.value);
  return true;
}

}  // namespace

bool is_dnsstop_rebuild(std::string_view version) {
  const std::size_t at = version.rfind(kRebuildSuffix);
  return at != std::string_view::npos && all_digits(version.substr(at + kRebuildSuffix.size()));
}

DebianVersion source_of(const DebianVersion& unbound) {
  if (!is_dnsstop_rebuild(unbound.text())) return unbound;
  return prefix_version(unbound, unbound.text().rfind(kRebuildSuffix)).value_or(unbound);
}

std::optional<DnsstopBuild> dnsstop_build_of(const DebianVersion& version) {
  std::string_view text = version.text();
  unsigned binnmu = 0;
  const std::size_t b = text.rfind("+b");
  if (b != std::string_view::npos && all_digits(text.substr(b + 2))) {
    const std::optional<std::uint64_t> number = parse_decimal(text.substr(b + 2), 1000000);
    if (!number || *number == 0) return std::nullopt;
    binnmu = static_cast<unsigned>(*number);
    text = text.substr(0, b);
  }
  const std::size_t deb = text.rfind("+deb");
  if (deb == std::string_view::npos || deb == 0 || !all_digits(text.substr(deb + 4))) return std::nullopt;
  std::optional<DebianVersion> dnsstop = prefix_version(version, deb);
  if (!dnsstop) return std::nullopt;
  return DnsstopBuild{std::move(*dnsstop), binnmu};
}

std::string_view decision_name(RebuildPlan::Decision decision) {
  switch (decision) {
    case RebuildPlan::Decision::kUpToDate: return "up-to-date";
    case RebuildPlan::Decision::kRebuild: return "rebuild";
    case RebuildPlan::Decision::kRefused: return "refused";
  }
  return "?";
}

RebuildPlan plan_rebuild(const DebianVersion& newest_debian_source, const DebianVersion& dnsstop_version,
                         const Repository& repository) {
  std::optional<DnsstopBuild> module;
  if (repository.module) {
    module = dnsstop_build_of(*repository.module);
    if (!module)
      return refused("the repository's dnsstop-unbound-module " + repository.module->text() +
                     " is not a version dnsstop's packaging makes (VERSION+debN or VERSION+debN+bN)");
    if (module->dnsstop > dnsstop_version)
      return refused("the repository has dnsstop-unbound-module " + repository.module->text() + ", of dnsstop " +
                     module->dnsstop.text() + ", newer than this dnsstop " + dnsstop_version.text() +
                     ": upgrade dnsstop-build-host first");
  }
  if (!repository.unbound || !repository.module) {
    const std::string missing = !repository.unbound && !repository.module ? "unbound and dnsstop-unbound-module"
                                : !repository.unbound                     ? "unbound"
                                                                          : "dnsstop-unbound-module";
    return rebuild(next_binnmu(module, dnsstop_version), "the repository has no " + missing + " yet");
  }
  if (!is_dnsstop_rebuild(repository.unbound->text()))
    return refused("the repository's unbound " + repository.unbound->text() +
                   " is not a dnsstop rebuild (SOURCE+dnsstopN)");
  const DebianVersion source = source_of(*repository.unbound);
  if (newest_debian_source > source)
    return rebuild(next_binnmu(module, dnsstop_version), "Debian's unbound " + newest_debian_source.text() +
                                                             " is newer than " + repository.unbound->text() +
                                                             "'s source");
  if (module->dnsstop < dnsstop_version)
    return rebuild(0, "dnsstop " + dnsstop_version.text() + " is not built yet (the repository has " +
                          "dnsstop-unbound-module " + repository.module->text() + ")");
  return {RebuildPlan::Decision::kUpToDate, 0,
          "the repository has unbound " + repository.unbound->text() + " and dnsstop-unbound-module " +
              repository.module->text() + "; Debian's newest unbound source is " + newest_debian_source.text()};
}

PendingUpdate pending_update(const DebianVersion& installed, const std::vector<DebianVersion>& debian_versions) {
  const DebianVersion source = source_of(installed);
  std::optional<DebianVersion> newest = newest_version(debian_versions);
  const bool pending = newest && *newest > source;
  return PendingUpdate{pending, source, std::move(newest)};
}

VersionsRead showsrc_versions(std::string_view text, std::string_view package, std::string_view where) {
  VersionsRead result;
  bool in_package = false;
  std::size_t number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++number;
    if (trimmed(line).empty()) {
      in_package = false;  // a paragraph ends
    } else if (line.starts_with("Package:")) {
      in_package = trimmed(line.substr(8)) == package;
    } else if (in_package && line.starts_with("Version:")) {
      if (!add_version(result, trimmed(line.substr(8)), where, number)) return result;
    }
  }
  return result;
}

VersionsRead madison_debian_versions(std::string_view text, std::string_view package, std::string_view release,
                                     std::string_view where) {
  VersionsRead result;
  std::size_t number = 0;
  for (std::string_view line : split(text, '\n')) {
    ++number;
    if (trimmed(line).empty()) continue;
    const std::vector<std::string_view> fields = split(line, '|');
    if (fields.size() != 3 || trimmed(fields[0]) != package) {
      result.error = line_error(where, number,
                                "not an apt-cache madison line of " + std::string(package) + ": " + in_quotes(line));
      return result;
    }
    const std::string_view version = trimmed(fields[1]);
    const std::vector<std::string_view> origin = words(trimmed(fields[2]));  // URI SUITE/COMPONENT ARCH Packages
    if (origin.size() < 3 || origin.back() != "Packages" || !own_suite(origin[origin.size() - 3], release)) continue;
    if (is_dnsstop_rebuild(version)) continue;
    if (!add_version(result, version, where, number)) return result;
  }
  return result;
}

}  // namespace dnsstop::unbound_updates
