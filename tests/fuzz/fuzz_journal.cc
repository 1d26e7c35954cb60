// Fuzz target for parse_journal: whatever the bytes (a damaged or hostile journal
// file), it returns records or throws JournalError, and every record it returns
// formats back to text that parses to the same record, so `dnsstop history` reads
// exactly what dnsstop-sync wrote.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<dnsstop::JournalRecord> records;
  try {
    records = dnsstop::parse_journal(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const dnsstop::JournalError&) {
    return 0;
  }
  std::string text;
  for (const dnsstop::JournalRecord& record : records) {
    DNSSTOP_FUZZ_CHECK(dnsstop::changes_lines_in_force(record.decision) ||
                       (record.added.empty() && record.removed.empty()));
    text += dnsstop::format_journal_record(record);
  }
  DNSSTOP_FUZZ_CHECK(dnsstop::parse_journal(text, "again") == records);
  return 0;
}
