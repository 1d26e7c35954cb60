// Tests for DebianVersion: deb-version(7)'s syntax, dpkg's order (checked against
// the real `dpkg --compare-versions`), and the versions dnsstop's packaging makes.
#include "core/debian_version.h"

#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace dnsstop {
namespace {

DebianVersion version(const std::string& text) {
  ParsedDebianVersion parsed = parse_debian_version(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error;
  return *parsed.value;
}

// Each pair: first < second in dpkg's order.
const std::vector<std::pair<std::string, std::string>> kAscending = {
    {"1.0", "1.1"},
    {"1.9", "1.10"},
    {"1.0~rc1", "1.0"},
    {"1.0~rc1", "1.0~rc2"},
    {"1.0~~", "1.0~"},
    {"1.0", "1.0+b1"},
    {"1.0", "1.0-1"},
    {"1.0-1", "1.0-2"},
    {"1.0-9", "1.0-10"},
    {"1.0a", "1.0b"},
    {"1.0Z", "1.0a"},  // letters sort before non-letters, uppercase first
    {"1.0a", "1.0+"},
    {"9.9", "1:0.1"},  // the epoch first
    {"1:1.0", "2:0.1"},
    // Debian's unbound, its security updates, and dnsstop's rebuilds of them.
    {"1.17.1-2", "1.17.1-2+deb12u1"},
    {"1.17.1-2+deb12u4", "1.17.1-2+deb12u4+dnsstop1"},
    {"1.17.1-2+deb12u4+dnsstop1", "1.17.1-2+deb12u5"},
    {"1.17.1-2+deb12u4+dnsstop1", "1.17.1-2+deb12u4+dnsstop2"},
    {"1.17.1-2+deb12u4+dnsstop9", "1.17.1-2+deb12u99"},
    {"1.17.1-2+deb12u4+dnsstop1", "1.17.1-2+deb12u4+dnsstop1+b1"},
    {"1.17.1-2+deb12u4+dnsstop1+b1", "1.17.1-2+deb12u4+dnsstop1+b2"},
    {"1.17.1-2+deb12u4+dnsstop1+b9", "1.17.1-2+deb12u4+dnsstop1+b10"},
    {"1.17.1-2+deb12u9", "1.17.1-2+deb12u10"},
    {"1.17.1-2+deb12u4", "1.26.2-0+deb13u1"},
    // dnsstop's own packages: +debN per release, +bN per rebuild against a newer Unbound.
    {"0.1.0+deb12", "0.1.0+deb12+b1"},
    {"0.1.0+deb12+b1", "0.1.0+deb12+b2"},
    {"0.1.0+deb12+b9", "0.1.0+deb12+b10"},
    {"0.1.0+deb12+b1", "0.1.0+deb13"},
    {"0.1.0+deb13", "0.1.1+deb12"},
};

TEST(DebianVersionTest, DpkgOrder) {
  for (const auto& [lower, higher] : kAscending) {
    EXPECT_LT(version(lower), version(higher)) << lower << " < " << higher;
    EXPECT_GT(version(higher), version(lower)) << higher << " > " << lower;
    EXPECT_NE(version(lower), version(higher));
  }
}

TEST(DebianVersionTest, EqualSpellings) {
  EXPECT_EQ(version("1.0"), version("0:1.0"));
  EXPECT_EQ(version("1.0"), version("1.0-0"));
  EXPECT_EQ(version("1.17.1-2+deb12u4"), version("1.17.1-2+deb12u4"));
  EXPECT_EQ(version("1.0").text(), "1.0");
  EXPECT_EQ(version("0:1.0").text(), "0:1.0");  // the text as given
}

TEST(DebianVersionTest, SyntaxErrorsInDpkgsWords) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "version string is empty"},
      {"1.0 1", "version string has embedded spaces"},
      {"1.0\n", "version string has embedded spaces"},
      {":1.0", "epoch in version is empty"},
      {"a:1.0", "epoch in version is not number"},
      {"-1:1.0", "epoch in version is not number"},
      {"99999999999:1.0", "epoch in version is too big"},
      {"1:", "nothing after colon in version number"},
      {"1.0-", "revision number is empty"},
      {"1.0-a_b", "invalid character in revision number"},
      {"-1", "version number is empty"},
      {"a1.0", "version number does not start with digit"},
      {"1:a", "version number does not start with digit"},
      {"1.0_1", "invalid character in version number"},
      {"1.0:1", "epoch in version is not number"},
  };
  for (const auto& [text, error] : bad) {
    const ParsedDebianVersion parsed = parse_debian_version(text);
    EXPECT_FALSE(parsed.ok()) << '"' << text << '"';
    EXPECT_EQ(parsed.error, error) << '"' << text << '"';
  }
  for (const char* good : {"0", "1:1.0:1-1", "1.0-1-1", "1.0~rc1+dfsg-2~bpo12+1", "2:1.2.3+really1.2.2-0.1"}) {
    EXPECT_TRUE(parse_debian_version(good).ok()) << good << ": " << parse_debian_version(good).error;
  }
}

TEST(DebianVersionTest, Newest) {
  EXPECT_EQ(newest_version({}), std::nullopt);
  const std::optional<DebianVersion> newest =
      newest_version({version("1.17.1-2+deb12u2"), version("1.17.1-2+deb12u10"), version("1.17.1-2")});
  ASSERT_TRUE(newest);
  EXPECT_EQ(newest->text(), "1.17.1-2+deb12u10");
}

// Exit status of `dpkg --compare-versions a op b`.
int dpkg_compare(const std::string& a, const char* op, const std::string& b) {
  std::vector<std::string> arguments = {"dpkg", "--compare-versions", a, op, b};
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "dpkg", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// The order libapt-pkg gives is dpkg's own, on every pair above both ways round
// and on each version against itself.
TEST(DebianVersionTest, AgreesWithDpkg) {
  for (const auto& [lower, higher] : kAscending) {
    const char* expected = version(lower) < version(higher) ? "lt" : "ge";
    EXPECT_EQ(dpkg_compare(lower, expected, higher), 0) << "dpkg --compare-versions " << lower << ' ' << expected
                                                        << ' ' << higher;
    const char* reversed = version(higher) > version(lower) ? "gt" : "le";
    EXPECT_EQ(dpkg_compare(higher, reversed, lower), 0) << "dpkg --compare-versions " << higher << ' ' << reversed
                                                        << ' ' << lower;
    EXPECT_EQ(dpkg_compare(lower, "eq", lower), 0) << lower;
  }
  EXPECT_EQ(dpkg_compare("1.0", "eq", "0:1.0-0"), 0);
  EXPECT_EQ(version("1.0") == version("0:1.0-0"), true);
  // The check can fail: dpkg does not take a wrong order.
  EXPECT_EQ(dpkg_compare("1.0+dnsstop1", "lt", "1.0"), 1);
}

}  // namespace
}  // namespace dnsstop
