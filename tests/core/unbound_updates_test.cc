// Tests for the Unbound update decisions: dnsstop-rebuild's plan, the "update
// pending" of dnsstop-unbound-check, and which versions in apt's output count.
#include "core/unbound_updates.h"

#include <gtest/gtest.h>

#include <string>

namespace dnsstop::unbound_updates {
namespace {

DebianVersion version(const std::string& text) {
  ParsedDebianVersion parsed = parse_debian_version(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error;
  return *parsed.value;
}

Repository repository(const std::string& unbound, const std::string& module) {
  Repository result;
  if (!unbound.empty()) result.unbound = version(unbound);
  if (!module.empty()) result.module = version(module);
  return result;
}

TEST(UnboundUpdatesTest, RebuildSuffix) {
  EXPECT_TRUE(is_dnsstop_rebuild("1.17.1-2+deb12u4+dnsstop1"));
  EXPECT_TRUE(is_dnsstop_rebuild("1.17.1-2+deb12u4+dnsstop12"));
  EXPECT_FALSE(is_dnsstop_rebuild("1.17.1-2+deb12u4"));
  EXPECT_FALSE(is_dnsstop_rebuild("1.17.1-2+deb12u4+dnsstop"));
  EXPECT_FALSE(is_dnsstop_rebuild("1.17.1-2+deb12u4+dnsstop1+b1"));
  EXPECT_EQ(source_of(version("1.17.1-2+deb12u4+dnsstop1")).text(), "1.17.1-2+deb12u4");
  EXPECT_EQ(source_of(version("1.17.1-2+deb12u4")).text(), "1.17.1-2+deb12u4");
  EXPECT_EQ(source_of(version("1.0-+dnsstop1")).text(), "1.0-+dnsstop1");  // "1.0-" is no version
}

TEST(UnboundUpdatesTest, DnsstopBuilds) {
  std::optional<DnsstopBuild> build = dnsstop_build_of(version("0.1.0+deb12"));
  ASSERT_TRUE(build);
  EXPECT_EQ(build->dnsstop.text(), "0.1.0");
  EXPECT_EQ(build->binnmu, 0u);
  build = dnsstop_build_of(version("0.1.0+deb12+b3"));
  ASSERT_TRUE(build);
  EXPECT_EQ(build->dnsstop.text(), "0.1.0");
  EXPECT_EQ(build->binnmu, 3u);
  for (const char* other : {"0.1.0", "0.1.0+b1", "0.1.0+deb", "0.1.0+debx", "0.1.0+deb12+b0", "0.1.0+deb12+b01"}) {
    EXPECT_EQ(dnsstop_build_of(version(other)), std::nullopt) << other;
  }
}

TEST(UnboundUpdatesTest, PlanForAnEmptyRepository) {
  const RebuildPlan plan = plan_rebuild(version("1.17.1-2+deb12u4"), version("0.1.0"), Repository{});
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.binnmu, 0u);
  EXPECT_EQ(plan.reason, "the repository has no unbound and dnsstop-unbound-module yet");
  EXPECT_EQ(decision_name(plan.decision), "rebuild");
}

TEST(UnboundUpdatesTest, PlanWhenOnePackageIsMissing) {
  RebuildPlan plan = plan_rebuild(version("1.17.1-2+deb12u4"), version("0.1.0"),
                                  repository("1.17.1-2+deb12u4+dnsstop1", ""));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.reason, "the repository has no dnsstop-unbound-module yet");
  // The same dnsstop again never gets the version it had: one more +bN.
  plan = plan_rebuild(version("1.17.1-2+deb12u4"), version("0.1.0"), repository("", "0.1.0+deb12+b1"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.binnmu, 2u);
  EXPECT_EQ(plan.reason, "the repository has no unbound yet");
}

TEST(UnboundUpdatesTest, PlanForANewerDebianSource) {
  // The same dnsstop against a newer Unbound: +b1, then one more each time.
  RebuildPlan plan = plan_rebuild(version("1.17.1-2+deb12u99"), version("0.1.0"),
                                  repository("1.17.1-2+deb12u4+dnsstop1", "0.1.0+deb12"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.binnmu, 1u);
  EXPECT_EQ(plan.reason, "Debian's unbound 1.17.1-2+deb12u99 is newer than 1.17.1-2+deb12u4+dnsstop1's source");
  plan = plan_rebuild(version("1.17.1-2+deb12u6"), version("0.1.0"),
                      repository("1.17.1-2+deb12u5+dnsstop1", "0.1.0+deb12+b9"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.binnmu, 10u);
  // A new dnsstop built against the new Unbound needs no +bN.
  plan = plan_rebuild(version("1.17.1-2+deb12u6"), version("0.2.0"),
                      repository("1.17.1-2+deb12u5+dnsstop1", "0.1.0+deb12+b2"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.binnmu, 0u);
}

TEST(UnboundUpdatesTest, PlanForANewDnsstop) {
  const RebuildPlan plan = plan_rebuild(version("1.17.1-2+deb12u4"), version("0.2.0"),
                                        repository("1.17.1-2+deb12u4+dnsstop1", "0.1.0+deb12+b1"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRebuild);
  EXPECT_EQ(plan.binnmu, 0u);
  EXPECT_EQ(plan.reason, "dnsstop 0.2.0 is not built yet (the repository has dnsstop-unbound-module 0.1.0+deb12+b1)");
}

TEST(UnboundUpdatesTest, PlanWhenUpToDate) {
  for (const char* module : {"0.1.0+deb12", "0.1.0+deb12+b4"}) {
    const RebuildPlan plan = plan_rebuild(version("1.17.1-2+deb12u4"), version("0.1.0"),
                                          repository("1.17.1-2+deb12u4+dnsstop1", module));
    EXPECT_EQ(plan.decision, RebuildPlan::Decision::kUpToDate) << module;
    EXPECT_EQ(plan.reason, std::string("the repository has unbound 1.17.1-2+deb12u4+dnsstop1 and "
                                       "dnsstop-unbound-module ") +
                               module + "; Debian's newest unbound source is 1.17.1-2+deb12u4");
    EXPECT_EQ(decision_name(plan.decision), "up-to-date");
  }
  // Debian's archive older than what was built (a mirror behind): nothing to do.
  EXPECT_EQ(plan_rebuild(version("1.17.1-2+deb12u3"), version("0.1.0"),
                         repository("1.17.1-2+deb12u4+dnsstop1", "0.1.0+deb12"))
                .decision,
            RebuildPlan::Decision::kUpToDate);
}

TEST(UnboundUpdatesTest, PlanRefusesWhatItCannotReplace) {
  RebuildPlan plan = plan_rebuild(version("1.17.1-2+deb12u5"), version("0.1.0"),
                                  repository("1.17.1-2+deb12u4+dnsstop1", "0.2.0+deb12"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRefused);
  EXPECT_EQ(plan.reason, "the repository has dnsstop-unbound-module 0.2.0+deb12, of dnsstop 0.2.0, newer than this "
                         "dnsstop 0.1.0: upgrade dnsstop-build-host first");
  plan = plan_rebuild(version("1.17.1-2+deb12u5"), version("0.1.0"),
                      repository("1.17.1-2+deb12u4", "0.1.0+deb12"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRefused);
  EXPECT_EQ(plan.reason, "the repository's unbound 1.17.1-2+deb12u4 is not a dnsstop rebuild (SOURCE+dnsstopN)");
  plan = plan_rebuild(version("1.17.1-2+deb12u5"), version("0.1.0"),
                      repository("1.17.1-2+deb12u4+dnsstop1", "0.1.0-1"));
  EXPECT_EQ(plan.decision, RebuildPlan::Decision::kRefused);
  EXPECT_EQ(decision_name(plan.decision), "refused");
}

TEST(UnboundUpdatesTest, Pending) {
  const DebianVersion installed = version("1.17.1-2+deb12u4+dnsstop1");
  PendingUpdate update = pending_update(installed, {version("1.17.1-2+deb12u4"), version("1.17.1-2+deb12u99")});
  EXPECT_TRUE(update.pending);
  EXPECT_EQ(update.source.text(), "1.17.1-2+deb12u4");
  ASSERT_TRUE(update.newest_debian);
  EXPECT_EQ(update.newest_debian->text(), "1.17.1-2+deb12u99");
  // Debian's build of the same source is not an update.
  update = pending_update(installed, {version("1.17.1-2"), version("1.17.1-2+deb12u4")});
  EXPECT_FALSE(update.pending);
  EXPECT_EQ(update.newest_debian->text(), "1.17.1-2+deb12u4");
  update = pending_update(installed, {});
  EXPECT_FALSE(update.pending);
  EXPECT_EQ(update.newest_debian, std::nullopt);
  // Debian's own unbound installed: a newer one is pending too.
  EXPECT_TRUE(pending_update(version("1.17.1-2+deb12u4"), {version("1.17.1-2+deb12u5")}).pending);
}

// As `apt-cache madison unbound` prints them on a resolver with the dnsstop
// repository, backports and another release's archive configured.
constexpr const char* kMadison =
    "   unbound | 1.17.1-2+deb12u4+dnsstop1 | file:/srv/dnsstop-apt bookworm/main amd64 Packages\n"
    "   unbound | 1.22.0-1~bpo12+1 | http://deb.debian.org/debian bookworm-backports/main amd64 Packages\n"
    "   unbound | 1.17.1-2+deb12u99 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages\n"
    "   unbound | 1.17.1-2+deb12u5 | http://deb.debian.org/debian bookworm-updates/main amd64 Packages\n"
    "   unbound | 1.17.1-2+deb12u4 | http://deb.debian.org/debian bookworm/main amd64 Packages\n"
    "   unbound | 1.26.2-0+deb13u1 | http://deb.debian.org/debian trixie/main amd64 Packages\n"
    "   unbound | 1.17.1-2+deb12u100 | http://deb.debian.org/debian bookworm-proposed-updates/main amd64 Packages\n"
    "   unbound | 1.17.1-2+deb12u200 | http://deb.debian.org/debian bookworm/main Sources\n";

TEST(UnboundUpdatesTest, MadisonCountsOnlyTheReleasesOwnSuites) {
  const VersionsRead read = madison_debian_versions(kMadison, "unbound", "bookworm", "apt-cache madison");
  ASSERT_TRUE(read.ok()) << read.error;
  std::vector<std::string> texts;
  for (const DebianVersion& found : read.versions) texts.push_back(found.text());
  EXPECT_EQ(texts, (std::vector<std::string>{"1.17.1-2+deb12u99", "1.17.1-2+deb12u5", "1.17.1-2+deb12u4"}));
  const VersionsRead trixie = madison_debian_versions(kMadison, "unbound", "trixie", "apt-cache madison");
  ASSERT_EQ(trixie.versions.size(), 1u);
  EXPECT_EQ(trixie.versions[0].text(), "1.26.2-0+deb13u1");
  EXPECT_TRUE(madison_debian_versions("", "unbound", "bookworm", "x").versions.empty());
}

TEST(UnboundUpdatesTest, MadisonErrorsNameTheLine) {
  VersionsRead read = madison_debian_versions(
      std::string(kMadison) + "something else\n", "unbound", "bookworm", "standard input (apt-cache madison)");
  EXPECT_EQ(read.error, "standard input (apt-cache madison) line 9: not an apt-cache madison line of unbound: "
                        "\"something else\"");
  read = madison_debian_versions("unbound | 1.0_1 | http://x bookworm/main amd64 Packages\n", "unbound", "bookworm",
                                 "in");
  EXPECT_EQ(read.error, "in line 1: bad version \"1.0_1\": invalid character in version number");
  read = madison_debian_versions("nsd | 4.6.1-1 | http://x bookworm/main amd64 Packages\n", "unbound", "bookworm",
                                 "in");
  EXPECT_FALSE(read.ok());
}

TEST(UnboundUpdatesTest, ShowsrcVersionsOfThePackage) {
  constexpr const char* kShowsrc =
      "Package: unbound\nBinary: unbound, libunbound8\nVersion: 1.17.1-2+deb12u2\nFiles:\n abc 1 unbound.dsc\n\n"
      "Package: unbound\nVersion: 1.17.1-2+deb12u4\n\n"
      "Package: unbound-other\nVersion: 9.9\n";
  VersionsRead read = showsrc_versions(kShowsrc, "unbound", "apt-cache showsrc");
  ASSERT_TRUE(read.ok()) << read.error;
  ASSERT_EQ(read.versions.size(), 2u);
  EXPECT_EQ(newest_version(read.versions)->text(), "1.17.1-2+deb12u4");
  read = showsrc_versions("Package: unbound\nVersion: x1\n", "unbound", "apt-cache showsrc");
  EXPECT_EQ(read.error, "apt-cache showsrc line 2: bad version \"x1\": version number does not start with digit");
}

}  // namespace
}  // namespace dnsstop::unbound_updates
