// Lookup semantics of compiled snapshots: subtree and exact entries, allowlists,
// several lists, letter case, wire format, limits; plus a differential test against
// a plain reference implementation over random lists large enough to use
// open-addressed slot groups.
#include <map>
#include <random>
#include <set>

#include "core/name.h"
#include "core/wire_name.h"
#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

using testing::TestSnapshot;

struct Expected {
  Listing listing;
  std::string list;   // empty when unlisted
  std::string entry;  // "=name" for exact entries
};

Expected describe(const SnapshotView& view, std::string_view name, const LookupResult& result) {
  if (result.listing == Listing::kUnlisted) return {Listing::kUnlisted, "", ""};
  std::string entry(matched_entry_name(name, result));
  for (char& c : entry) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (result.scope == MatchScope::Exact) entry.insert(0, "=");
  return {result.listing, std::string(view.list(result.list).name), entry};
}

void expect_lookup(const SnapshotView& view, std::string_view name, Listing listing, std::string_view list = "",
                   std::string_view entry = "") {
  const Expected got = describe(view, name, view.lookup(name));
  EXPECT_EQ(got.listing, listing) << name;
  EXPECT_EQ(got.list, list) << name;
  EXPECT_EQ(got.entry, entry) << name;
}

TEST(SnapshotLookupTest, SubtreeEntryCoversNameAndEverythingBelow) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"}});
  expect_lookup(snapshot.view(), "example.com", Listing::kBlocked, "police", "example.com");
  expect_lookup(snapshot.view(), "www.example.com", Listing::kBlocked, "police", "example.com");
  expect_lookup(snapshot.view(), "a.b.c.example.com", Listing::kBlocked, "police", "example.com");
  expect_lookup(snapshot.view(), "com", Listing::kUnlisted);
  expect_lookup(snapshot.view(), "notexample.com", Listing::kUnlisted);
  expect_lookup(snapshot.view(), "example.com.evil", Listing::kUnlisted);
  expect_lookup(snapshot.view(), "example.org", Listing::kUnlisted);
}

TEST(SnapshotLookupTest, ExactEntryCoversOnlyTheName) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "=www.example.com\n"}});
  expect_lookup(snapshot.view(), "www.example.com", Listing::kBlocked, "police", "=www.example.com");
  expect_lookup(snapshot.view(), "a.www.example.com", Listing::kUnlisted);
  expect_lookup(snapshot.view(), "example.com", Listing::kUnlisted);
}

TEST(SnapshotLookupTest, LetterCaseAndTrailingDotDoNotMatter) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"}});
  expect_lookup(snapshot.view(), "WWW.Example.COM.", Listing::kBlocked, "police", "example.com");
  expect_lookup(snapshot.view(), "EXAMPLE.COM", Listing::kBlocked, "police", "example.com");
}

TEST(SnapshotLookupTest, AllowEntryCarvesOutSubtreeAndBlockEntryBelowBlocksAgain) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\nbad.good.example.com\n"},
                         {"exceptions", Action::kAllow, "good.example.com\n"}});
  expect_lookup(snapshot.view(), "www.example.com", Listing::kBlocked, "police", "example.com");
  expect_lookup(snapshot.view(), "good.example.com", Listing::kAllowed, "exceptions", "good.example.com");
  expect_lookup(snapshot.view(), "x.good.example.com", Listing::kAllowed, "exceptions", "good.example.com");
  expect_lookup(snapshot.view(), "bad.good.example.com", Listing::kBlocked, "police", "bad.good.example.com");
  expect_lookup(snapshot.view(), "x.bad.good.example.com", Listing::kBlocked, "police", "bad.good.example.com");
}

TEST(SnapshotLookupTest, ExactAllowInsideBlockedSubtreeOnlyFreesThatName) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"},
                         {"exceptions", Action::kAllow, "=www.example.com\n"}});
  expect_lookup(snapshot.view(), "www.example.com", Listing::kAllowed, "exceptions", "=www.example.com");
  expect_lookup(snapshot.view(), "a.www.example.com", Listing::kBlocked, "police", "example.com");
}

TEST(SnapshotLookupTest, ExactEntryBeatsSubtreeEntryOfTheSameName) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "=example.com\n"},
                         {"exceptions", Action::kAllow, "example.com\n"}});
  expect_lookup(snapshot.view(), "example.com", Listing::kBlocked, "police", "=example.com");
  expect_lookup(snapshot.view(), "www.example.com", Listing::kAllowed, "exceptions", "example.com");
}

TEST(SnapshotLookupTest, MostSpecificListWinsAndTiesGoToTheFirstList) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\nshared.net\n"},
                         {"operator", Action::kNxdomain, "www.example.com\nshared.net\n"}});
  expect_lookup(snapshot.view(), "www.example.com", Listing::kBlocked, "operator", "www.example.com");
  expect_lookup(snapshot.view(), "mail.example.com", Listing::kBlocked, "police", "example.com");
  expect_lookup(snapshot.view(), "shared.net", Listing::kBlocked, "police", "shared.net");
  EXPECT_EQ(snapshot.view().list(snapshot.view().lookup("www.example.com").list).action, Action::kNxdomain);
}

TEST(SnapshotLookupTest, AllowlistWinsATieWhateverItsPosition) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"},
                         {"exceptions", Action::kAllow, "example.com\n"}});
  expect_lookup(snapshot.view(), "example.com", Listing::kAllowed, "exceptions", "example.com");
}

TEST(SnapshotLookupTest, DuplicateEntriesAreCountedOnce) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\nexample.com\n=example.com\n"},
                         {"operator", Action::kStoppage, "example.com\n"}});
  EXPECT_EQ(snapshot.view().entry_count(), 2u);  // one subtree and one exact entry
  EXPECT_EQ(snapshot.view().list(0).entry_count, 3u);
}

TEST(SnapshotLookupTest, EmptyListsAndNoListsBlockNothing) {
  TestSnapshot empty_lists({{"police", Action::kStoppage, "# nothing yet\n"}, {"exceptions", Action::kAllow, ""}});
  expect_lookup(empty_lists.view(), "example.com", Listing::kUnlisted);
  EXPECT_EQ(empty_lists.view().entry_count(), 0u);
  EXPECT_EQ(empty_lists.view().list_count(), 2u);
  TestSnapshot no_lists({});
  expect_lookup(no_lists.view(), "example.com", Listing::kUnlisted);
}

TEST(SnapshotLookupTest, ListMetadataIsKept) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"}, {"ops", Action::kNodata, "x.org\n"}});
  ASSERT_EQ(snapshot.view().list_count(), 2u);
  const ListInfo ops = snapshot.view().list(1);
  EXPECT_EQ(ops.name, "ops");
  EXPECT_EQ(ops.action, Action::kNodata);
  EXPECT_EQ(ops.serial, 7u);
  EXPECT_EQ(ops.published_unix, 1600000000u);
  EXPECT_EQ(snapshot.view().created_unix(), 1700000000u);
}

TEST(SnapshotLookupTest, LongestNamesAndLabelsWork) {
  const std::string label63(63, 'a');
  // 63+1+63+1+63+1+61 = 253 octets, the longest name.
  const std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(57, 'b') + ".com";
  ASSERT_EQ(longest.size(), 253u);
  TestSnapshot snapshot({{"police", Action::kStoppage, longest + "\n" + label63 + ".example\n"}});
  expect_lookup(snapshot.view(), longest, Listing::kBlocked, "police", longest);
  expect_lookup(snapshot.view(), longest + ".", Listing::kBlocked, "police", longest);
  expect_lookup(snapshot.view(), "x." + label63 + ".example", Listing::kBlocked, "police", label63 + ".example");
  expect_lookup(snapshot.view(), "x." + longest, Listing::kUnlisted);  // 255 octets: not a valid name
  expect_lookup(snapshot.view(), std::string(64, 'a') + ".example", Listing::kUnlisted);
}

TEST(SnapshotLookupTest, MalformedPresentationNamesAreUnlisted) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"}});
  for (const char* name : {"", ".", "..", "a..example.com", ".example.com", "example.com..", "www.example.com.."}) {
    expect_lookup(snapshot.view(), name, Listing::kUnlisted);
  }
}

TEST(SnapshotLookupTest, WireNamesMatchLikePresentationNames) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n=exact.org\n"},
                         {"exceptions", Action::kAllow, "ok.example.com\n"}});
  for (const char* name : {"example.com", "WWW.EXAMPLE.com", "ok.example.com", "a.ok.example.com", "exact.org",
                           "a.exact.org", "other.net", "com"}) {
    const auto wire = wire_from_name(name);
    const LookupResult from_wire = snapshot.view().lookup_wire(wire);
    const LookupResult from_text = snapshot.view().lookup(name);
    EXPECT_EQ(from_wire.listing, from_text.listing) << name;
    EXPECT_EQ(from_wire.list, from_text.list) << name;
    EXPECT_EQ(from_wire.matched_labels, from_text.matched_labels) << name;
    EXPECT_EQ(from_wire.scope, from_text.scope) << name;
  }
}

// Case folding touches 'A'..'Z' only: bytes 0x20 below a canonical character (0x0D
// below '-', 0x10 below '0', '?' below '_') must not fold into it.
TEST(SnapshotLookupTest, OnlyAsciiLettersFoldToLowerCase) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "x-y.com\nx0y.com\nx_y.com\nxay.com\n"}});
  for (const std::uint8_t middle : {std::uint8_t{0x0D}, std::uint8_t{0x10}, std::uint8_t{'?'}, std::uint8_t{0xC1}}) {
    const std::vector<std::uint8_t> wire = {3, 'x', middle, 'y', 3, 'c', 'o', 'm', 0};
    EXPECT_EQ(snapshot.view().lookup_wire(wire).listing, Listing::kUnlisted) << int{middle};
  }
  const std::vector<std::uint8_t> upper = {3, 'x', 'A', 'y', 3, 'c', 'o', 'm', 0};
  EXPECT_EQ(snapshot.view().lookup_wire(upper).listing, Listing::kBlocked);
}

TEST(SnapshotLookupTest, BinaryLabelsUnderABlockedNameAreBlocked) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"}});
  std::vector<std::uint8_t> wire = {4, 0, '.', 0xff, 'A', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  EXPECT_EQ(snapshot.view().lookup_wire(wire).listing, Listing::kBlocked);
}

TEST(SnapshotLookupTest, MalformedWireNamesAreNeverListed) {
  TestSnapshot snapshot({{"police", Action::kStoppage, "example.com\n"}});
  const auto good = wire_from_name("www.example.com");
  ASSERT_EQ(snapshot.view().lookup_wire(good).listing, Listing::kBlocked);
  const std::vector<std::vector<std::uint8_t>> bad = {
      {},                                                          // nothing
      {0},                                                         // the root
      std::vector<std::uint8_t>(good.begin(), good.end() - 1),     // no root label
      [&] { auto w = good; w.push_back(0); return w; }(),          // trailing garbage
      [&] { auto w = good; w[0] = 40; return w; }(),               // label runs past the end
      {0xC0, 0x0C},                                                // compression pointer
      [&] { auto w = good; w[0] = 0x40 | 3; return w; }(),         // reserved label type
  };
  for (const auto& wire : bad) EXPECT_EQ(snapshot.view().lookup_wire(wire).listing, Listing::kUnlisted);
  // 128 one-octet labels make a 257-octet name: longer than DNS allows.
  std::vector<std::uint8_t> too_long;
  for (int i = 0; i < 127; ++i) too_long.insert(too_long.end(), {1, 'a'});
  const auto tail = wire_from_name("example.com");
  too_long.insert(too_long.end(), tail.begin(), tail.end());
  EXPECT_EQ(snapshot.view().lookup_wire(too_long).listing, Listing::kUnlisted);
}

// A plain model of the semantics: the deepest matching entry decides, an exact
// entry beats a subtree entry of the same name, ties go to allowlists, then order.
class ReferenceLists {
 public:
  void add(const std::string& name, MatchScope scope, std::uint8_t list, bool allow) {
    auto& slot = (scope == MatchScope::Exact ? exact_ : subtree_)[name];
    const int rank = (allow ? 0 : 100) + list;
    if (!slot || slot->rank > rank) slot = Winner{rank, list, allow};
  }
  // Returns (listing, list, matched entry with '=' for exact).
  std::tuple<Listing, int, std::string> lookup(const std::string& name) const {
    if (auto it = exact_.find(name); it != exact_.end()) return result(*it->second, "=" + name);
    for (std::string suffix = name;;) {
      if (auto it = subtree_.find(suffix); it != subtree_.end()) return result(*it->second, suffix);
      const std::size_t dot = suffix.find('.');
      if (dot == std::string::npos) return {Listing::kUnlisted, -1, ""};
      suffix = suffix.substr(dot + 1);
    }
  }

 private:
  struct Winner {
    int rank;
    std::uint8_t list;
    bool allow;
  };
  static std::tuple<Listing, int, std::string> result(const Winner& winner, std::string entry) {
    return {winner.allow ? Listing::kAllowed : Listing::kBlocked, winner.list, std::move(entry)};
  }
  std::map<std::string, std::optional<Winner>> exact_, subtree_;
};

TEST(SnapshotLookupTest, AgreesWithReferenceOnRandomLists) {
  std::mt19937_64 random(20261122);
  const std::vector<std::string> tlds = {"com", "net", "se", "org"};
  const auto random_label = [&](std::size_t max_length) {
    std::uniform_int_distribution<std::size_t> length(1, max_length);
    std::uniform_int_distribution<int> letter(0, 3);  // a tiny alphabet forces shared prefixes and hash neighbours
    std::string label(length(random), 'a');
    for (char& c : label) c = static_cast<char>('a' + letter(random));
    return label;
  };
  // Second-level labels are shared between list entries and queries so that many queries hit.
  std::vector<std::string> second_level;
  for (int i = 0; i < 3000; ++i) second_level.push_back(random_label(7) + "." + tlds[random() % tlds.size()]);
  const auto random_name = [&]() {
    std::string name = second_level[random() % second_level.size()];
    for (std::size_t extra = random() % 3; extra > 0; --extra) name = random_label(3) + "." + name;
    return name;
  };

  const std::vector<std::pair<std::string, Action>> list_specs = {
      {"police", Action::kStoppage}, {"exceptions", Action::kAllow}, {"operator", Action::kNxdomain}};
  std::vector<std::string> texts(list_specs.size());
  ReferenceLists reference;
  for (int i = 0; i < 6000; ++i) {
    const auto list = static_cast<std::uint8_t>(i % 7 == 0 ? 1 : (i % 3 == 0 ? 2 : 0));
    const bool exact = random() % 4 == 0;
    const std::string name = random_name();
    texts[list] += (exact ? "=" : "") + name + "\n";
    reference.add(name, exact ? MatchScope::Exact : MatchScope::Subtree, list, list_specs[list].second == Action::kAllow);
  }
  std::vector<testing::TestList> lists;
  for (std::size_t i = 0; i < list_specs.size(); ++i) lists.push_back({list_specs[i].first, list_specs[i].second, texts[i]});
  TestSnapshot snapshot(lists);

  std::size_t listed = 0;
  for (int i = 0; i < 40000; ++i) {
    const std::string query = i % 5 == 0 ? random_label(6) + "." + tlds[random() % tlds.size()] : random_name();
    const auto [listing, list, entry] = reference.lookup(query);
    const LookupResult result = snapshot.view().lookup(query);
    const Expected got = describe(snapshot.view(), query, result);
    ASSERT_EQ(got.listing, listing) << query;
    if (listing != Listing::kUnlisted) {
      ++listed;
      ASSERT_EQ(result.list, list) << query;
      ASSERT_EQ(got.entry, entry) << query;
    }
    const LookupResult wire_result = snapshot.view().lookup_wire(wire_from_name(query));
    ASSERT_EQ(wire_result.listing, result.listing) << query;
    ASSERT_EQ(wire_result.matched_labels, result.matched_labels) << query;
  }
  EXPECT_GT(listed, 10000u);  // the test exercises hits, not only misses
}

}  // namespace
}  // namespace dnsstop
