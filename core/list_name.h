// The rule for a list's name, which the configuration, the snapshot (builder and
// reader), the manifest and the journal's file names all rely on: 1 to 32 of
// A-Z a-z 0-9 . _ - (so a name is safe in a file name, a metric label and a log
// line).
//
// Pure; any thread; O(length).
#pragma once

#include <string_view>

#include "core/snapshot_format.h"

namespace dnsstop {

// The rule in words, for error messages.
inline constexpr std::string_view kListNameRule = "1-32 characters of A-Z a-z 0-9 . _ -";
static_assert(snapshot_format::kMaxListNameLength == 32, "kListNameRule states the length");

constexpr bool is_list_name_character(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

constexpr bool is_valid_list_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > snapshot_format::kMaxListNameLength) return false;
  for (const char c : name) {
    if (!is_list_name_character(c)) return false;
  }
  return true;
}

}  // namespace dnsstop
