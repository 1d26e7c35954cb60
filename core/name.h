// Domain names in dnsstop's one canonical form: lower-case ASCII (A-labels for
// internationalised names), labels joined by '.', no trailing dot.
//
// Pure functions; any thread may call them. normalize_name costs O(length) and
// allocates the result; libidn2 runs only when the input holds non-ASCII bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dnsstop {

inline constexpr std::size_t kMaxNameLength = 253;  // octets, presentation form, no trailing dot
inline constexpr std::size_t kMaxLabelLength = 63;
inline constexpr std::size_t kMaxLabels = 127;

struct NormalizedName {
  std::string name;   // the canonical form; meaningful only when ok()
  std::string error;  // what is wrong, phrased to follow "file:line: "
  bool ok() const noexcept { return error.empty(); }
};

// Accepts "Example.COM", "example.com.", "bücher.example" (converted with IDNA2008 /
// UTS #46 non-transitional processing to "xn--bcher-kva.example"). Rejects empty
// names and labels, the root, labels over 63 octets, names over 253 octets, and any
// character other than letters, digits, '-' and '_' (hyphens may stand anywhere:
// such names resolve, so a list must be able to name them).
NormalizedName normalize_name(std::string_view input);

// True for the bytes a canonical label may hold: a-z, 0-9, '-', '_'.
constexpr bool is_canonical_label_byte(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace dnsstop
