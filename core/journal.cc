// Journal records are a header line of fixed "key=value" fields, then list lines.
#include "core/journal.h"

#include <algorithm>

#include "core/decimal.h"

namespace dnsstop {
namespace {

constexpr std::string_view kDecisionNames[] = {"applied", "held", "refused", "approved", "pinned", "unpinned"};
constexpr std::string_view kHeaderKeys[] = {"time", "serial", "decision", "reason", "signers",
                                            "psl", "added", "removed", "why"};

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
  return text.empty() ? "-" : text;
}

struct LineParser {
  std::string_view source;
  std::size_t line_number;

  [[noreturn]] void fail(const std::string& what) const {
    throw JournalError(std::string(source) + ':' + std::to_string(line_number) + ": " + what);
  }
  std::uint64_t number(std::string_view text, std::string_view key) const {
    const std::optional<std::uint64_t> value = parse_decimal(text);
    if (!value) fail(std::string(key) + " is not a number");
    return *value;
  }

  JournalRecord header(std::string_view line) const {
    if (!line.starts_with("version ")) fail("expected a record starting with \"version \"");
    line.remove_prefix(8);
    std::string_view values[std::size(kHeaderKeys)];
    for (std::size_t index = 0; index < std::size(kHeaderKeys); ++index) {
      const std::string prefix = std::string(kHeaderKeys[index]) + '=';
      if (!line.starts_with(prefix)) fail("expected field " + prefix);
      line.remove_prefix(prefix.size());
      const bool last = index + 1 == std::size(kHeaderKeys);
      const std::size_t end = last ? line.size() : line.find(' ');
      if (end == std::string_view::npos) fail("record header ends early");
      values[index] = line.substr(0, end);
      line.remove_prefix(last ? end : end + 1);
    }
    JournalRecord record;
    record.time_unix = number(values[0], "time");
    record.serial = number(values[1], "serial");
    const auto* decision = std::find(std::begin(kDecisionNames), std::end(kDecisionNames), values[2]);
    if (decision == std::end(kDecisionNames)) fail("unknown decision \"" + std::string(values[2]) + '"');
    record.decision = static_cast<Decision>(decision - std::begin(kDecisionNames));
    if (values[3] != "-") {
      record.reason = reason_from_name(values[3]);
      if (!record.reason) fail("unknown reason \"" + std::string(values[3]) + '"');
    }
    for (std::string_view rest = values[4]; rest != "-" && !rest.empty();) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      record.signers.emplace_back(rest.substr(0, comma));
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
    if (values[5] != "-") record.psl_version = values[5];
    record.added_count = number(values[6], "added");
    record.removed_count = number(values[7], "removed");
    record.why = values[8];
    return record;
  }
};

// Whether list line `line` blocks `name`: "example.com" blocks it and all below,
// "=example.com" that name only. Lines are canonical already, so no parsing is needed.
bool covers(std::string_view line, std::string_view name) {
  if (line.starts_with('=')) return line.substr(1) == name;
  return name == line || (name.size() > line.size() && name.ends_with(line) && name[name.size() - line.size() - 1] == '.');
}

}  // namespace

std::string journal_path(std::string_view state_dir, std::string_view list_name) {
  return std::string(state_dir) + '/' + std::string(list_name) + ".journal";
}

std::string_view decision_name(Decision decision) { return kDecisionNames[static_cast<std::size_t>(decision)]; }

bool changes_lines_in_force(Decision decision) {
  return decision != Decision::kHeld && decision != Decision::kRefused;
}

std::string format_journal_record(const JournalRecord& record) {
  std::string why = record.why;
  std::replace(why.begin(), why.end(), '\n', ' ');
  std::string text = "version time=" + std::to_string(record.time_unix) + " serial=" + std::to_string(record.serial) +
                     " decision=" + std::string(decision_name(record.decision)) +
                     " reason=" + (record.reason ? std::string(reason_name(*record.reason)) : "-") +
                     " signers=" + joined(record.signers) +
                     " psl=" + (record.psl_version.empty() ? "-" : record.psl_version) +
                     " added=" + std::to_string(record.added_count) +
                     " removed=" + std::to_string(record.removed_count) + " why=" + why + '\n';
  if (changes_lines_in_force(record.decision)) {
    for (const std::string& line : record.added) text += '+' + line + '\n';
    for (const std::string& line : record.removed) text += '-' + line + '\n';
  }
  return text;
}

std::vector<JournalRecord> parse_journal(std::string_view text, std::string_view source) {
  std::vector<JournalRecord> records;
  LineParser parser{source, 0};
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) break;  // cut short by a crash while appending
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    ++parser.line_number;
    if (line.starts_with('+') || line.starts_with('-')) {
      if (records.empty() || !changes_lines_in_force(records.back().decision)) {
        parser.fail("a list line outside a record that changes the lines in force");
      }
      (line[0] == '+' ? records.back().added : records.back().removed).emplace_back(line.substr(1));
      continue;
    }
    records.push_back(parser.header(line));
  }
  return records;
}

std::vector<NameEvent> name_history(const std::vector<JournalRecord>& records, std::string_view name) {
  std::vector<NameEvent> events;
  for (const JournalRecord& record : records) {
    for (const std::string& line : record.removed) {
      if (covers(line, name)) events.push_back({&record, line, false});
    }
    for (const std::string& line : record.added) {
      if (covers(line, name)) events.push_back({&record, line, true});
    }
  }
  return events;
}

}  // namespace dnsstop
