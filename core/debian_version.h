// Debian package versions ([epoch:]upstream[-revision], deb-version(7)) and
// their order, dpkg's: the one apt uses to pick what to install. The order is
// libapt-pkg's (debVS, Debian's libapt-pkg-dev; DEVELOPERS.md, "Dependencies"),
// so this file is part of the dnsstop_unbound_updates library, which only the
// `dnsstop` tool and its tests link: libapt-pkg must never be loaded into
// Unbound with the module.
//
// Pure; any thread; parse is O(length), a comparison O(length of both).
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnsstop {

struct ParsedDebianVersion;

// A version that passed deb-version(7)'s syntax (parse_debian_version); only
// such versions are compared, since apt's order takes any text and would
// quietly order a typo.
class DebianVersion {
 public:
  const std::string& text() const noexcept { return text_; }
  // dpkg's order: "1.0" and "0:1.0-0" are equal, "1.0~rc1" < "1.0" < "1.0+b1".
  friend std::strong_ordering operator<=>(const DebianVersion& a, const DebianVersion& b);
  friend bool operator==(const DebianVersion& a, const DebianVersion& b) { return (a <=> b) == 0; }

 private:
  friend ParsedDebianVersion parse_debian_version(std::string_view text);
  explicit DebianVersion(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

struct ParsedDebianVersion {
  std::optional<DebianVersion> value;  // set when ok()
  std::string error;                   // what is wrong, in dpkg's words: "revision number is empty"
  bool ok() const noexcept { return error.empty(); }
};

// Checks `text` as dpkg does (and refuses what dpkg only warns about: an
// upstream version that does not start with a digit, a character outside
// deb-version(7)'s).
ParsedDebianVersion parse_debian_version(std::string_view text);

// The highest of `versions` in dpkg's order; nothing when there are none.
std::optional<DebianVersion> newest_version(const std::vector<DebianVersion>& versions);

}  // namespace dnsstop
