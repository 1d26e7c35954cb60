// Parses one list file (a blocklist or an allowlist; both share the format, see
// docs/list-format.md) into canonical entries, reporting every bad line.
//
// Pure: parses bytes already in memory; any thread may call it. Cost is O(size)
// plus one allocation per entry; libidn2 runs only for lines with non-ASCII bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsstop {

// A plain entry matches the name and every name below it; an exact entry (written
// with the '=' prefix) matches the name alone.
enum class MatchScope : std::uint8_t { Subtree = 0, Exact = 1 };

struct ListEntry {
  std::string name;  // canonical, as normalize_name returns it
  MatchScope scope = MatchScope::Subtree;
  friend bool operator==(const ListEntry&, const ListEntry&) = default;
};

// List files larger than this are refused before parsing (about 50 million names).
inline constexpr std::size_t kMaxListFileBytes = std::size_t{1} << 30;

// Only this many problem messages are kept; the counters below are always exact.
inline constexpr std::size_t kMaxReportedProblems = 1000;

struct ParsedList {
  std::vector<ListEntry> entries;
  // "source:line: what is wrong", in line order, at most kMaxReportedProblems.
  std::vector<std::string> problems;
  std::size_t content_lines = 0;    // lines that are neither blank nor comments
  std::size_t skipped_lines = 0;    // content lines that produced no entry (all reasons)
  std::size_t url_path_lines = 0;   // of skipped_lines: URLs with a path DNS cannot enforce
};

// `source` names the input in problem messages (usually the file path).
ParsedList parse_list(std::string_view text, std::string_view source);

}  // namespace dnsstop
