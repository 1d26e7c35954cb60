// Canonical lists and deltas are sorted line sets, so diffing and applying are
// merges of sorted sequences.
#include "core/list_delta.h"

#include <algorithm>
#include <functional>
#include <iterator>

#include "core/decimal.h"
#include "core/split.h"

namespace dnsstop {
namespace {

std::string join_lines(const std::vector<std::string_view>& lines) {
  std::size_t size = 0;
  for (const std::string_view line : lines) size += line.size() + 1;
  std::string text;
  text.reserve(size);
  for (const std::string_view line : lines) {
    text += line;
    text += '\n';
  }
  return text;
}

bool sorted_unique(const std::vector<std::string>& lines) {
  return std::adjacent_find(lines.begin(), lines.end(), std::greater_equal<>()) == lines.end();
}

std::uint64_t header_number(std::string_view line, std::string_view keyword) {
  const std::optional<std::uint64_t> number =
      line.starts_with(keyword) ? parse_decimal(line.substr(keyword.size())) : std::nullopt;
  if (!number) throw DeltaError("delta: expected \"" + std::string(keyword) + "N\"");
  return *number;
}

}  // namespace

std::string canonical_list(std::string_view text) {
  std::vector<std::string_view> lines;
  for (const std::string_view line : split(text, '\n')) {
    const std::string_view content = trimmed(line);
    if (!content.empty() && content.front() != '#') lines.push_back(content);
  }
  std::sort(lines.begin(), lines.end());
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  return join_lines(lines);
}

ListDelta diff_lists(std::string_view old_canonical, std::string_view new_canonical,
                     std::uint64_t from_serial, std::uint64_t to_serial) {
  const std::vector<std::string_view> old_lines = split(old_canonical, '\n');
  const std::vector<std::string_view> new_lines = split(new_canonical, '\n');
  std::vector<std::string_view> removed;
  std::vector<std::string_view> added;
  std::set_difference(old_lines.begin(), old_lines.end(), new_lines.begin(), new_lines.end(),
                      std::back_inserter(removed));
  std::set_difference(new_lines.begin(), new_lines.end(), old_lines.begin(), old_lines.end(),
                      std::back_inserter(added));
  return {from_serial, to_serial, {removed.begin(), removed.end()}, {added.begin(), added.end()}};
}

ListDelta parse_delta(std::string_view text) {
  if (!text.empty() && text.back() != '\n') throw DeltaError("delta: does not end with a newline");
  const std::vector<std::string_view> lines = split(text, '\n');
  if (lines.size() < 3 || lines[0] != "dnsstop-delta 1") throw DeltaError("delta: not a dnsstop-delta 1 file");
  ListDelta delta;
  delta.from_serial = header_number(lines[1], "from ");
  delta.to_serial = header_number(lines[2], "to ");
  for (std::size_t index = 3; index < lines.size(); ++index) {
    const std::string_view line = lines[index];
    if (line.size() < 2 || (line[0] != '+' && line[0] != '-') || trimmed(line.substr(1)) != line.substr(1)) {
      throw DeltaError("delta line " + std::to_string(index + 1) + ": expected +LINE or -LINE");
    }
    (line[0] == '+' ? delta.added : delta.removed).emplace_back(line.substr(1));
  }
  if (!sorted_unique(delta.added) || !sorted_unique(delta.removed)) {
    throw DeltaError("delta: lines are not sorted or repeat");
  }
  return delta;
}

std::string format_delta(const ListDelta& delta) {
  std::string text = "dnsstop-delta 1\nfrom " + std::to_string(delta.from_serial) + "\nto " +
                     std::to_string(delta.to_serial) + '\n';
  for (const std::string& line : delta.removed) text += '-' + line + '\n';
  for (const std::string& line : delta.added) text += '+' + line + '\n';
  return text;
}

std::string apply_delta(std::string_view old_canonical, const ListDelta& delta, const Sha256& expected) {
  const std::vector<std::string_view> old_lines = split(old_canonical, '\n');
  std::vector<std::string_view> kept;
  kept.reserve(old_lines.size());
  std::size_t removed_found = 0;
  auto removed = delta.removed.begin();
  for (const std::string_view line : old_lines) {
    while (removed != delta.removed.end() && *removed < line) ++removed;
    if (removed != delta.removed.end() && *removed == line) {
      ++removed_found;
      ++removed;
    } else {
      kept.push_back(line);
    }
  }
  if (removed_found != delta.removed.size()) throw DeltaError("delta removes a line the list does not hold");
  std::vector<std::string_view> result;
  result.reserve(kept.size() + delta.added.size());
  std::merge(kept.begin(), kept.end(), delta.added.begin(), delta.added.end(), std::back_inserter(result));
  if (std::adjacent_find(result.begin(), result.end()) != result.end()) {
    throw DeltaError("delta adds a line the list already holds");
  }
  std::string text = join_lines(result);
  if (sha256(text) != expected) throw DeltaError("list after the delta does not match the manifest's SHA-256");
  return text;
}

}  // namespace dnsstop
