// The RPZ zone text: its records per action, the winner per name and scope, its
// serial; and a property test: on generated lists with allow carve-outs and exact
// entries, both RPZ's matching rule (an exact trigger beats a wildcard, the longest
// wildcard beats shorter ones; BIND) and DNS wildcard rules (Unbound) applied to the
// zone give the snapshot's verdict for every name. tests/integration/rpz_test.py asks real resolvers the same.
#include "core/rpz_zone.h"

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

using testing::TestList;
using testing::TestSnapshot;

RpzZoneOptions options() {
  RpzZoneOptions rpz;
  rpz.origin = "dnsstop.rpz";
  rpz.serial = 42;
  rpz.ttl = 60;
  rpz.stoppage_ipv4 = {{192, 0, 2, 80}};
  rpz.stoppage_ipv6 = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}};
  return rpz;
}

struct Parsed {
  std::vector<std::vector<ListEntry>> entries;
  std::vector<ListInput> inputs;
};

Parsed parse(const std::vector<TestList>& lists) {
  Parsed parsed;
  for (const TestList& list : lists) parsed.entries.push_back(parse_list(list.text, list.name).entries);
  for (std::size_t i = 0; i < lists.size(); ++i) {
    parsed.inputs.push_back({lists[i].name, lists[i].action, 1, 1, parsed.entries[i]});
  }
  return parsed;
}

std::string zone_of(const std::vector<TestList>& lists, const RpzZoneOptions& rpz = options()) {
  return build_rpz_zone(parse(lists).inputs, rpz);
}

// Owner (relative to the origin) -> its records' data, from the zone text.
std::map<std::string, std::vector<std::string>> records_of(const std::string& zone) {
  std::map<std::string, std::vector<std::string>> records;
  std::istringstream lines(zone);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == ';' || line[0] == '$' || line[0] == '@') continue;
    const std::size_t space = line.find(' ');
    records[line.substr(0, space)].push_back(line.substr(space + 1));
  }
  return records;
}

TEST(RpzZone, WritesEachActionAsRpzSpellsIt) {
  const std::string zone = zone_of({{"police", Action::kStoppage, "bad.example\n=exact.example\n"},
                                    {"nx", Action::kNxdomain, "gone.example\n"},
                                    {"nd", Action::kNodata, "quiet.example\n"},
                                    {"ok", Action::kAllow, "good.bad.example\n"}});
  const auto records = records_of(zone);
  using Records = std::vector<std::string>;
  EXPECT_EQ(records.at("bad.example"), (Records{"A 192.0.2.80", "AAAA 2001:db8::80"}));
  EXPECT_EQ(records.at("*.bad.example"), (Records{"A 192.0.2.80", "AAAA 2001:db8::80"}));
  EXPECT_EQ(records.at("exact.example"), (Records{"A 192.0.2.80", "AAAA 2001:db8::80"}));
  EXPECT_FALSE(records.contains("*.exact.example"));
  EXPECT_EQ(records.at("gone.example"), Records{"CNAME ."});
  EXPECT_EQ(records.at("*.gone.example"), Records{"CNAME ."});
  EXPECT_EQ(records.at("quiet.example"), Records{"CNAME *."});
  EXPECT_EQ(records.at("good.bad.example"), Records{"CNAME rpz-passthru."});
  EXPECT_EQ(records.at("*.good.bad.example"), Records{"CNAME rpz-passthru."});
  EXPECT_NE(zone.find("$ORIGIN dnsstop.rpz.\n$TTL 60\n"), std::string::npos);
  EXPECT_NE(zone.find("@ SOA dnsstop.invalid. hostmaster.dnsstop.invalid. 42 3600 600 604800 60\n"), std::string::npos);
  EXPECT_NE(zone.find("@ NS localhost.\n"), std::string::npos);
}

TEST(RpzZone, OneWinnerPerNameAndScope) {
  // The same name in several lists: the allowlist wins a tie, then list order; an
  // exact entry decides the name itself and leaves its subtree to the subtree entry.
  const auto records = records_of(zone_of({{"first", Action::kNxdomain, "tie.example\nboth.example\n"},
                                           {"second", Action::kStoppage, "tie.example\n=both.example\n"},
                                           {"ok", Action::kAllow, "=tie.example\n"}}));
  using Records = std::vector<std::string>;
  EXPECT_EQ(records.at("tie.example"), Records{"CNAME rpz-passthru."});
  EXPECT_EQ(records.at("*.tie.example"), Records{"CNAME ."});
  EXPECT_EQ(records.at("both.example"), (Records{"A 192.0.2.80", "AAAA 2001:db8::80"}));
  EXPECT_EQ(records.at("*.both.example"), Records{"CNAME ."});
}

TEST(RpzZone, RefusesWhatCannotBeWritten) {
  RpzZoneOptions no_addresses = options();
  no_addresses.stoppage_ipv4.clear();
  no_addresses.stoppage_ipv6.clear();
  EXPECT_THROW(zone_of({{"police", Action::kStoppage, "bad.example\n"}}, no_addresses), std::invalid_argument);
  EXPECT_NO_THROW(zone_of({{"nx", Action::kNxdomain, "bad.example\n"}}, no_addresses));
  RpzZoneOptions bad_origin = options();
  bad_origin.origin = "Not Canonical";
  EXPECT_THROW(zone_of({}, bad_origin), std::invalid_argument);
  const std::string long_name = std::string(60, 'a') + '.' + std::string(60, 'b') + '.' + std::string(60, 'c') + '.' +
                                std::string(60, 'd') + ".example";
  try {
    zone_of({{"police", Action::kStoppage, long_name + "\n"}});
    FAIL() << "an owner name over 253 octets was written";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find(long_name), std::string::npos) << error.what();
  }
}

TEST(RpzZone, SerialIsReadBackAndAlwaysIncreases) {
  EXPECT_EQ(read_rpz_serial(zone_of({})), 42u);
  EXPECT_EQ(read_rpz_serial("not a zone\n"), std::nullopt);
  EXPECT_EQ(read_rpz_serial("@ SOA a. b. 12x 1 2 3 4\n"), std::nullopt);
  EXPECT_EQ(read_rpz_serial("@ SOA a. b. 99999999999 1 2 3 4\n"), std::nullopt);
  EXPECT_EQ(next_rpz_serial(std::nullopt, 1700000000), 1700000000u);
  EXPECT_EQ(next_rpz_serial(1600000000u, 1700000000), 1700000000u);
  EXPECT_EQ(next_rpz_serial(1700000000u, 1700000000), 1700000001u);  // two changes in one second
  EXPECT_EQ(next_rpz_serial(1800000000u, 1700000000), 1800000001u);  // the clock went back
  EXPECT_EQ(next_rpz_serial(0xFFFFFFFFu, 0xFFFFFFFF), 0u);            // RFC 1982 wraps
  EXPECT_EQ(next_rpz_serial(0xFFFFFFF0u, std::uint64_t{1} << 32 | 5), 5u);  // 2106 and after
}

// RPZ's QNAME rule on the zone's records: the exact owner if present, else the
// longest "*.suffix" owner; nullopt when no trigger matches.
std::optional<std::string> rpz_answer(const std::map<std::string, std::vector<std::string>>& records,
                                      const std::string& query) {
  if (const auto exact = records.find(query); exact != records.end()) return exact->second.front();
  for (std::size_t dot = query.find('.'); dot != std::string::npos; dot = query.find('.', dot + 1)) {
    if (const auto wildcard = records.find("*" + query.substr(dot)); wildcard != records.end()) {
      return wildcard->second.front();
    }
  }
  return std::nullopt;
}

// The same with DNS wildcard rules, as Unbound applies them: "*.suffix" answers only
// when suffix is the closest encloser, the longest ancestor that exists in the zone
// (with records, or an empty non-terminal above some).
std::optional<std::string> wildcard_answer(const std::map<std::string, std::vector<std::string>>& records,
                                           const std::string& query) {
  if (const auto exact = records.find(query); exact != records.end()) return exact->second.front();
  const auto exists = [&](const std::string& name) {
    for (const auto& [owner, data] : records) {
      if (owner == name || owner.ends_with("." + name)) return true;
    }
    return false;
  };
  for (std::size_t dot = query.find('.'); dot != std::string::npos; dot = query.find('.', dot + 1)) {
    const std::string encloser = query.substr(dot + 1);
    if (!exists(encloser)) continue;
    const auto wildcard = records.find("*." + encloser);
    if (wildcard == records.end()) return std::nullopt;
    return wildcard->second.front();
  }
  return std::nullopt;
}

std::string expected_answer(Action action) {
  switch (action) {
    case Action::kStoppage: return "A 192.0.2.80";
    case Action::kNxdomain: return "CNAME .";
    case Action::kNodata: return "CNAME *.";
    case Action::kAllow: return "CNAME rpz-passthru.";
  }
  return "";
}

TEST(RpzZone, GivesTheSnapshotsVerdictForEveryName) {
  std::mt19937 random(20240615);
  const std::vector<std::string> labels = {"a", "b", "c", "www", "cdn"};
  const auto random_name = [&](std::size_t max_depth) {
    std::string name = std::uniform_int_distribution<int>(0, 1)(random) ? "example.com" : "test.org";
    const std::size_t depth = std::uniform_int_distribution<std::size_t>(0, max_depth)(random);
    for (std::size_t i = 0; i < depth; ++i) {
      name = labels[std::uniform_int_distribution<std::size_t>(0, labels.size() - 1)(random)] + '.' + name;
    }
    return name;
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<TestList> lists = {{"police", Action::kStoppage, ""}, {"nx", Action::kNxdomain, ""},
                                   {"ok", Action::kAllow, ""},        {"nd", Action::kNodata, ""}};
    for (TestList& list : lists) {
      std::set<std::string> entries;  // a list repeating a line counts it as skipped
      for (int entry = 0; entry < 12; ++entry) {
        entries.insert((std::uniform_int_distribution<int>(0, 3)(random) == 0 ? "=" : "") + random_name(3));
      }
      for (const std::string& entry : entries) list.text += entry + '\n';
    }
    const auto records = records_of(zone_of(lists));
    const TestSnapshot snapshot(lists);
    for (int query = 0; query < 300; ++query) {
      const std::string name = random_name(5);
      const LookupResult verdict = snapshot.view().lookup(name);
      const std::optional<std::string> expected =
          verdict.listing == Listing::kUnlisted ? std::nullopt
                                                : std::optional(expected_answer(lists[verdict.list].action));
      EXPECT_EQ(rpz_answer(records, name), expected) << name << " in round " << round;
      EXPECT_EQ(wildcard_answer(records, name), expected) << name << " in round " << round << " (DNS wildcard rules)";
    }
  }
}

}  // namespace
}  // namespace dnsstop
