#include "core/debian_version.h"

#include <apt-pkg/debversion.h>

#include <algorithm>
#include <cctype>
#include <climits>

#include "core/decimal.h"

namespace dnsstop {
namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// deb-version(7): the upstream version may hold "-" only when a revision
// follows (the last "-" starts it) and ":" only when an epoch precedes it (the
// first ":" ends the epoch).
bool upstream_char(char c) { return is_alnum(c) || c == '.' || c == '+' || c == '~' || c == '-' || c == ':'; }
bool revision_char(char c) { return is_alnum(c) || c == '.' || c == '+' || c == '~'; }

std::string syntax_error(std::string_view text) {
  if (text.empty()) return "version string is empty";
  if (std::any_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
    return "version string has embedded spaces";
  std::string_view upstream = text;
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view epoch = text.substr(0, colon);
    if (epoch.empty()) return "epoch in version is empty";
    if (!parse_decimal(epoch, INT_MAX))
      return is_plain_decimal(epoch) ? "epoch in version is too big" : "epoch in version is not number";
    upstream = text.substr(colon + 1);
    if (upstream.empty()) return "nothing after colon in version number";
  }
  const std::size_t hyphen = upstream.rfind('-');
  if (hyphen != std::string_view::npos) {
    const std::string_view revision = upstream.substr(hyphen + 1);
    upstream = upstream.substr(0, hyphen);
    if (revision.empty()) return "revision number is empty";
    if (!std::all_of(revision.begin(), revision.end(), revision_char)) return "invalid character in revision number";
  }
  if (upstream.empty()) return "version number is empty";
  if (!std::isdigit(static_cast<unsigned char>(upstream.front()))) return "version number does not start with digit";
  if (!std::all_of(upstream.begin(), upstream.end(), upstream_char)) return "invalid character in version number";
  return "";
}

}  // namespace

std::strong_ordering operator<=>(const DebianVersion& a, const DebianVersion& b) {
  // DoCmpVersion: the comparison apt's releases have all kept (bookworm's 2.6, trixie's 3.0).
  const int order = debVS.DoCmpVersion(a.text_.data(), a.text_.data() + a.text_.size(), b.text_.data(),
                                       b.text_.data() + b.text_.size());
  if (order < 0) return std::strong_ordering::less;
  if (order > 0) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

ParsedDebianVersion parse_debian_version(std::string_view text) {
  std::string error = syntax_error(text);
  if (!error.empty()) return {std::nullopt, std::move(error)};
  return {DebianVersion(std::string(text)), ""};
}

std::optional<DebianVersion> newest_version(const std::vector<DebianVersion>& versions) {
  if (versions.empty()) return std::nullopt;
  return *std::max_element(versions.begin(), versions.end());
}

}  // namespace dnsstop
