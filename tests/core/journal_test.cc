// The journal's records round-trip, a record cut short by a crash is ignored, a
// damaged one is named by line, and a name's history follows the lines that cover it.
#include "core/journal.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

JournalRecord applied(std::uint64_t serial, std::vector<std::string> added, std::vector<std::string> removed) {
  JournalRecord record;
  record.time_unix = 1000 + serial;
  record.serial = serial;
  record.signers = {"2EA337C5B5BE40FF", "0123456789ABCDEF"};
  record.psl_version = "0a1b2c3d4e5f6071";
  record.added_count = added.size();
  record.removed_count = removed.size();
  record.added = std::move(added);
  record.removed = std::move(removed);
  record.why = "by delta";
  return record;
}

TEST(Journal, RoundTripsEveryDecision) {
  JournalRecord held;
  held.time_unix = 5;
  held.serial = 7;
  held.decision = Decision::kHeld;
  held.reason = Reason::kChangeBounds;
  held.added_count = 8000;
  held.why = "adds 8000\nof 1000";
  const JournalRecord first = applied(1, {"example.com", "=exact.example"}, {});
  const std::string text = format_journal_record(first) + format_journal_record(held);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "version time=1001 serial=1 decision=applied reason=- signers=2EA337C5B5BE40FF,0123456789ABCDEF "
            "psl=0a1b2c3d4e5f6071 added=2 removed=0 why=by delta");
  const std::vector<JournalRecord> records = parse_journal(text, "j");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], first);
  held.why = "adds 8000 of 1000";  // one line
  EXPECT_EQ(records[1], held);
  for (const Decision decision : {Decision::kRefused, Decision::kApproved, Decision::kPinned, Decision::kUnpinned}) {
    JournalRecord record = applied(3, {}, {"gone.example"});
    record.decision = decision;
    if (!changes_lines_in_force(decision)) record.removed.clear();
    EXPECT_EQ(parse_journal(format_journal_record(record), "j").front(), record);
  }
}

TEST(Journal, CutShortRecordIsIgnoredDamageIsNamed) {
  const std::string good = format_journal_record(applied(1, {"a.example"}, {}));
  EXPECT_EQ(parse_journal(good + "version time=9 ser", "j").size(), 1u);
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      parse_journal(text, "j");
    } catch (const JournalError& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(error_of(good + "+b.example\nhello\n"), "j:4: expected a record starting with \"version \"");
  EXPECT_EQ(error_of("+a.example\n"), "j:1: a list line outside a record that changes the lines in force");
  EXPECT_EQ(error_of("version time=1 decision=applied\n"), "j:1: expected field serial=");
  EXPECT_EQ(error_of("version time=x\n"), "j:1: record header ends early");
  std::string bad_decision = good;
  bad_decision.replace(bad_decision.find("applied"), 7, "blessed");
  EXPECT_EQ(error_of(bad_decision), "j:1: unknown decision \"blessed\"");
}

TEST(Journal, NameHistoryFollowsCoveringLines) {
  const std::vector<JournalRecord> records{
      applied(1, {"example.com", "other.example"}, {}),
      applied(2, {"=www.example.com"}, {"example.com"}),
      applied(3, {}, {"=www.example.com"}),
  };
  const std::vector<NameEvent> events = name_history(records, "www.example.com");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].record->serial, 1u);
  EXPECT_EQ(events[0].line, "example.com");
  EXPECT_TRUE(events[0].added);
  EXPECT_EQ(events[1].line, "example.com");  // serial 2 removes the parent ...
  EXPECT_FALSE(events[1].added);
  EXPECT_EQ(events[2].line, "=www.example.com");  // ... and adds the exact name
  EXPECT_TRUE(events[2].added);
  EXPECT_EQ(events[3].record->serial, 3u);
  EXPECT_FALSE(events[3].added);
  EXPECT_TRUE(name_history(records, "notexample.com").empty());
  EXPECT_TRUE(name_history(records, "sub.www.example.com").size() == 2);  // the exact entry does not cover it
}

}  // namespace
}  // namespace dnsstop
