// The decisions around Debian's updates of Unbound (docs/operating.md, "Unbound
// security updates"), for `dnsstop unbound-update`, which dnsstop-rebuild and
// dnsstop-unbound-check call: those scripts fetch (apt, reprepro, dpkg) and
// apply; what to make of the versions they found is decided here.
//   - plan_rebuild: does the operator's repository need unbound and dnsstop's
//     packages rebuilt, why, and which +bN the same dnsstop gets;
//   - pending_update: does apt offer a Debian unbound newer than the source of
//     the installed (rebuilt) one;
//   - the versions in apt-cache's output that count: Debian's own unbound of
//     this release (its own suites, not backports, not a dnsstop rebuild).
// Part of dnsstop_unbound_updates (core/debian_version.h says why that is a
// library of its own).
//
// Pure; any thread; O(length of the input).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/debian_version.h"

namespace dnsstop::unbound_updates {

// packaging/unbound/build.sh's suffix: Debian's source version plus
// "+dnsstopN" sorts just above Debian's build and below its next version.
inline constexpr std::string_view kRebuildSuffix = "+dnsstop";

// Whether `version` is a dnsstop rebuild of unbound (ends in "+dnsstopN").
bool is_dnsstop_rebuild(std::string_view version);
// The Debian source version an unbound was built from: "1.17.1-2+deb12u4+dnsstop1"
// -> "1.17.1-2+deb12u4"; Debian's own build is its own source.
DebianVersion source_of(const DebianVersion& unbound);

// A dnsstop package version as packaging/build-debs.sh makes it:
// DNSSTOP+debOS[+bBINNMU], e.g. "0.1.0+deb12+b2" (dnsstop 0.1.0 built for
// Debian 12, rebuilt twice against a newer Unbound).
struct DnsstopBuild {
  DebianVersion dnsstop;
  unsigned binnmu = 0;  // 0: no +bN
};
// Nothing when `version` is not of that form.
std::optional<DnsstopBuild> dnsstop_build_of(const DebianVersion& version);

// What the operator's repository holds for one release (nothing: no such package).
struct Repository {
  std::optional<DebianVersion> unbound;
  std::optional<DebianVersion> module;  // dnsstop-unbound-module
};

struct RebuildPlan {
  enum class Decision { kUpToDate, kRebuild, kRefused };
  Decision decision = Decision::kUpToDate;
  unsigned binnmu = 0;  // kRebuild: the +bN dnsstop's packages get; 0: none
  std::string reason;   // why, for the log: "Debian's unbound X is newer than Y's source"
};
std::string_view decision_name(RebuildPlan::Decision decision);  // "up-to-date", "rebuild", "refused"

// Whether the repository needs Debian's newest unbound source rebuilt with the
// module and dnsstop `dnsstop_version`'s packages built against it. The same
// dnsstop as the repository's module gets that module's +bN plus one, so apt
// upgrades the module together with the new Unbound; a new dnsstop gets none.
// Refused: the repository holds what this dnsstop cannot replace (a newer
// dnsstop's module, or packages not of dnsstop's version scheme).
RebuildPlan plan_rebuild(const DebianVersion& newest_debian_source, const DebianVersion& dnsstop_version,
                         const Repository& repository);

struct PendingUpdate {
  bool pending = false;                       // Debian offers a newer unbound than `source`
  DebianVersion source;                       // what the installed unbound was built from
  std::optional<DebianVersion> newest_debian; // nothing: apt knows no Debian unbound
};
PendingUpdate pending_update(const DebianVersion& installed, const std::vector<DebianVersion>& debian_versions);

// Versions read from a program's output; `error` names the line and what is wrong.
struct VersionsRead {
  std::vector<DebianVersion> versions;
  std::string error;
  bool ok() const noexcept { return error.empty(); }
};

// The versions of source package `package` in `apt-cache showsrc` output
// (deb822 paragraphs; "Package:" and "Version:" fields). `where` starts errors.
VersionsRead showsrc_versions(std::string_view text, std::string_view package, std::string_view where);

// The versions in `apt-cache madison PACKAGE` output that are Debian's own
// binary builds for `release`: lines "PACKAGE | VERSION | URI SUITE/COMPONENT
// ARCH Packages" whose suite is `release`, RELEASE-security or RELEASE-updates
// (not backports, not another release's) and whose version is not a dnsstop
// rebuild. Source lines ("Sources") do not count.
VersionsRead madison_debian_versions(std::string_view text, std::string_view package, std::string_view release,
                                     std::string_view where);

}  // namespace dnsstop::unbound_updates
