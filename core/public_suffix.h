// The Public Suffix List (publicsuffix.org) as Debian ships it (package
// `publicsuffix`), read through libpsl: which names are suffixes under which anyone
// can register a name (`com`, `co.uk`, and in the private section free-hosting
// domains such as `github.io`). A list entry blocking such a suffix would block
// everything under it (docs/list-distribution.md, "Guard rails").
//
// Loading reads and parses the file (about 10k rules, a few milliseconds) from the
// thread that loads; afterwards is_public_suffix is const and may be called from any
// thread. The version is the first 16 hex digits of the file's SHA-256: Debian's
// file carries no version of its own, and every decision records which one it used.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace dnsstop {

inline constexpr std::string_view kDebianPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // Throws std::runtime_error naming the path when it cannot be read or holds no rule.
  static PublicSuffixList load_file(const std::string& path);
  // The list in the publicsuffix.org text format; for tests.
  static PublicSuffixList from_text(std::string_view text);

  PublicSuffixList(PublicSuffixList&&) noexcept;
  PublicSuffixList& operator=(PublicSuffixList&&) noexcept;
  ~PublicSuffixList();

  // `name` canonical (core/name.h). True for a suffix of either section, and for any
  // single label (a top-level domain the list may not know yet: its "*" rule).
  bool is_public_suffix(const std::string& name) const;
  const std::string& version() const noexcept { return version_; }

 private:
  struct Context;
  PublicSuffixList(std::unique_ptr<Context> context, std::string version);
  std::unique_ptr<Context> context_;
  std::string version_;
};

}  // namespace dnsstop
