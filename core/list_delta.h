// Published lists in canonical form, and deltas between two of them.
//
// The publisher publishes a list in canonical form: its content lines (not blank,
// not comments), trimmed of surrounding blanks, sorted bytewise, each once, each
// ending in '\n'. Canonical form makes a list's SHA-256 depend on its entries only,
// so a resolver that applies a delta to the list it holds can check the result
// against the hash in the signed manifest. A delta is text too:
//
//   dnsstop-delta 1
//   from 41
//   to 42
//   -removed.example
//   +added.example
//
// Pure; any thread. canonical_list costs O(n log n) in the lines; apply_delta
// O(n + d log d) for a list of n lines and a delta of d.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.h"

namespace dnsstop {

// A delta that cannot be applied (malformed, or not made for the list given).
class DeltaError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

struct ListDelta {
  std::uint64_t from_serial = 0;
  std::uint64_t to_serial = 0;
  std::vector<std::string> removed;  // sorted, each once, each in the old list
  std::vector<std::string> added;    // sorted, each once, none in the old list
  friend bool operator==(const ListDelta&, const ListDelta&) = default;
};

std::string canonical_list(std::string_view text);

// Both arguments in canonical form.
ListDelta diff_lists(std::string_view old_canonical, std::string_view new_canonical,
                     std::uint64_t from_serial, std::uint64_t to_serial);

ListDelta parse_delta(std::string_view text);
std::string format_delta(const ListDelta& delta);

// Applies `delta` to `old_canonical` (which must be in canonical form) and checks that
// the result hashes to `expected`. Throws DeltaError when a removed line is missing,
// an added one already present, or the hash differs.
std::string apply_delta(std::string_view old_canonical, const ListDelta& delta, const Sha256& expected);

}  // namespace dnsstop
