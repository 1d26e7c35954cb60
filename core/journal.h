// The journal dnsstop-sync keeps per list (STATE_DIR/NAME.journal): one record per
// version it saw and per operator action, appended and never rewritten, so that an
// operator can answer "since when, and by which list version, is this name
// blocked?" (`dnsstop history`). Format, for auditors (docs/list-distribution.md):
//
//   version time=1767225600 serial=42 decision=applied reason=- signers=2EA337C5B5BE40FF psl=0a1b2c3d4e5f6071 added=2 removed=1 why=by delta from 41
//   +added.example
//   +=exact.example
//   -removed.example
//
// The header's fields come in this order; `why` runs to the end of the line. The
// `+`/`-` lines (canonical list lines) follow only records that change what is in
// force (applied, approved, pinned, unpinned), and are the change of the lines in
// force; held and refused records carry the counts only.
//
// Pure; any thread. Formatting and parsing cost O(size).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/update_rules.h"

namespace dnsstop {

enum class Decision { kApplied, kHeld, kRefused, kApproved, kPinned, kUnpinned };
std::string_view decision_name(Decision decision);
// Whether a record of this decision changes the lines in force (and so lists them).
bool changes_lines_in_force(Decision decision);

struct JournalRecord {
  std::uint64_t time_unix = 0;
  std::uint64_t serial = 0;
  Decision decision = Decision::kApplied;
  std::optional<Reason> reason;       // for held and refused
  std::vector<std::string> signers;   // key ids as minisign prints them
  std::string psl_version;            // "" when the public-suffix rule was not asked
  std::uint64_t added_count = 0;
  std::uint64_t removed_count = 0;
  std::string why;                    // one line of free text
  std::vector<std::string> added;     // canonical lines, only when changes_lines_in_force
  std::vector<std::string> removed;
  friend bool operator==(const JournalRecord&, const JournalRecord&) = default;
};

class JournalError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

// Where dnsstop-sync keeps the journal of `list_name` in its state directory.
std::string journal_path(std::string_view state_dir, std::string_view list_name);

// The text appended for one record; newlines in `why` become spaces.
std::string format_journal_record(const JournalRecord& record);

// Every record of a journal. A last line without its '\n' (an append cut short by a
// crash) is ignored; anything else malformed throws JournalError "SOURCE:LINE: what".
std::vector<JournalRecord> parse_journal(std::string_view text, std::string_view source);

// One change of whether `name` is blocked: the journal line that covers it (the name
// itself, an exact entry for it, or a parent entry) entered or left the lines in force.
struct NameEvent {
  const JournalRecord* record = nullptr;  // into the records given
  std::string line;                       // the covering list line
  bool added = false;                     // false: removed
};
// `name` canonical (core/name.h). Events in journal order.
std::vector<NameEvent> name_history(const std::vector<JournalRecord>& records, std::string_view name);

}  // namespace dnsstop
