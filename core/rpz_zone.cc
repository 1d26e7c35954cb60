// RPZ zone text: one winning list per (name, scope), then the triggers of each name in
// name order, in the zone file syntax every RPZ resolver reads (RFC 1035 master files).
#include "core/rpz_zone.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "core/name.h"

namespace dnsstop {
namespace {

constexpr std::string_view kSoaPrefix = "@ SOA ";

struct Trigger {
  std::string_view name;
  MatchScope scope;
  std::uint8_t rank;
  std::uint8_t list;
};

bool is_canonical(std::string_view name) {
  const NormalizedName normalized = normalize_name(name);
  return normalized.ok() && normalized.name == name;
}

std::string format_ipv4(const std::array<std::uint8_t, 4>& address) {
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, address.data(), text, sizeof(text));
  return text;
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& address) {
  char text[INET6_ADDRSTRLEN];
  ::inet_ntop(AF_INET6, address.data(), text, sizeof(text));
  return text;
}

// The records' data for one action (owner left out): one line each.
std::vector<std::string> action_records(Action action, const RpzZoneOptions& options) {
  switch (action) {
    case Action::kStoppage: {
      std::vector<std::string> records;
      for (const auto& address : options.stoppage_ipv4) records.push_back("A " + format_ipv4(address));
      for (const auto& address : options.stoppage_ipv6) records.push_back("AAAA " + format_ipv6(address));
      return records;
    }
    case Action::kNxdomain: return {"CNAME ."};
    case Action::kNodata: return {"CNAME *."};
    case Action::kAllow: return {"CNAME rpz-passthru."};
  }
  throw std::invalid_argument("invalid action");
}

}  // namespace

std::string build_rpz_zone(std::span<const ListInput> lists, const RpzZoneOptions& options) {
  check_list_inputs(lists);
  if (!is_canonical(options.origin)) throw std::invalid_argument("RPZ zone name \"" + options.origin + "\" is not canonical");
  if (!is_canonical(options.soa_mname) || !is_canonical(options.soa_rname)) {
    throw std::invalid_argument("the SOA's mname and rname must be canonical names");
  }
  std::vector<std::vector<std::string>> records(lists.size());
  for (std::size_t list = 0; list < lists.size(); ++list) {
    records[list] = action_records(lists[list].action, options);
    if (records[list].empty()) {
      throw std::invalid_argument("list \"" + lists[list].name + "\" has action stoppage but no stop-page address");
    }
  }

  const std::vector<std::uint8_t> rank = list_ranks(lists);
  std::vector<Trigger> triggers;
  for (std::size_t list = 0; list < lists.size(); ++list) {
    for (const ListEntry& entry : lists[list].entries) {
      triggers.push_back({entry.name, entry.scope, rank[list], static_cast<std::uint8_t>(list)});
    }
  }
  // By name, the exact entry before the subtree one, then by rank: the first of each
  // (name, scope) is the snapshot's winner.
  std::sort(triggers.begin(), triggers.end(), [](const Trigger& a, const Trigger& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.scope != b.scope) return a.scope == MatchScope::Exact;
    return a.rank < b.rank;
  });

  const std::string ttl = std::to_string(options.ttl);
  std::string zone;
  zone.reserve(256 + triggers.size() * 64);
  zone += "; dnsstop RPZ: every list merged (docs/other-resolvers.md). Written by dnsstop-sync; do not edit.\n";
  zone += "$ORIGIN " + options.origin + ".\n$TTL " + ttl + '\n';
  zone += std::string(kSoaPrefix) + options.soa_mname + ". " + options.soa_rname + ". " +
          std::to_string(options.serial) + " 3600 600 604800 " + ttl + '\n';
  zone += "@ NS localhost.\n";
  const auto write = [&](std::string_view owner, std::size_t list) {
    for (const std::string& record : records[list]) {
      zone.append(owner);
      zone += ' ';
      zone += record;
      zone += '\n';
    }
  };
  struct Winners {
    std::optional<std::uint8_t> exact, subtree;
  };
  std::unordered_map<std::string_view, Winners> names;
  for (const Trigger& trigger : triggers) {
    Winners& winners = names[trigger.name];
    auto& winner = trigger.scope == MatchScope::Exact ? winners.exact : winners.subtree;
    if (!winner) winner = trigger.list;  // sorted by rank: the first one wins
  }
  const auto parent = [](std::string_view name) {
    const std::size_t dot = name.find('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  };
  // The subtree entry that decides below `name` when `name` has none of its own.
  const auto inherited = [&](std::string_view name) -> std::optional<std::pair<std::string_view, std::uint8_t>> {
    for (std::string_view above = parent(name); !above.empty(); above = parent(above)) {
      const auto found = names.find(above);
      if (found != names.end() && found->second.subtree) return std::pair{above, *found->second.subtree};
    }
    return std::nullopt;
  };
  std::unordered_set<std::string_view> filled;  // empty non-terminals given records
  for (std::size_t i = 0; i < triggers.size(); ++i) {
    const std::string_view name = triggers[i].name;
    if (i > 0 && triggers[i - 1].name == name) continue;
    // A resolver refuses a zone with an over-long owner name; saying which entry is
    // better than a zone that does not load.
    if (name.size() + 3 + options.origin.size() > kMaxNameLength) {
      throw std::invalid_argument("entry \"" + std::string(name) + "\" is too long to be written under the RPZ zone " +
                                  options.origin + " (at most " + std::to_string(kMaxNameLength) + " octets in all)");
    }
    const Winners& winners = names.at(name);
    // The name itself: its exact entry, else its subtree entry; below it: the subtree entry.
    write(name, winners.exact ? *winners.exact : *winners.subtree);
    if (winners.subtree) write("*." + std::string(name), *winners.subtree);
    // Some resolvers (Unbound) match "*.above" with DNS wildcard rules: not for a name
    // that exists in the zone, nor below it. So under a subtree entry, an exact-only
    // entry gets the subtree entry's wildcard restated below it, and every empty
    // non-terminal in between gets the subtree entry's records: what RPZ's
    // longest-match rule (BIND) answers for them anyway.
    const auto decider = inherited(name);
    if (!decider) continue;
    if (!winners.subtree) write("*." + std::string(name), decider->second);
    for (std::string_view between = parent(name); between != decider->first; between = parent(between)) {
      if (names.contains(between) || !filled.insert(between).second) continue;
      write(between, decider->second);
      write("*." + std::string(between), decider->second);
    }
  }
  return zone;
}

std::optional<std::uint32_t> read_rpz_serial(std::string_view zone_text) {
  std::size_t line_start = 0;
  while (line_start < zone_text.size()) {
    const std::size_t line_end = std::min(zone_text.find('\n', line_start), zone_text.size());
    const std::string_view line = zone_text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.starts_with(kSoaPrefix)) continue;
    // "@ SOA mname. rname. SERIAL ..."
    std::size_t field_start = kSoaPrefix.size();
    for (int skipped = 0; skipped < 2; ++skipped) {
      field_start = line.find(' ', field_start);
      if (field_start == std::string_view::npos) return std::nullopt;
      ++field_start;
    }
    std::uint32_t serial = 0;
    const auto [end, error] = std::from_chars(line.data() + field_start, line.data() + line.size(), serial);
    if (error != std::errc() || end == line.data() + field_start || end == line.data() + line.size() || *end != ' ') {
      return std::nullopt;
    }
    return serial;
  }
  return std::nullopt;
}

std::uint32_t next_rpz_serial(std::optional<std::uint32_t> previous, std::uint64_t now_unix) {
  const auto now_serial = static_cast<std::uint32_t>(now_unix);
  if (!previous) return now_serial;
  // RFC 1982: now_serial is newer when it is ahead by 1 .. 2^31 - 1.
  const std::uint32_t ahead = now_serial - *previous;
  if (ahead != 0 && ahead < (std::uint32_t{1} << 31)) return now_serial;
  return *previous + 1;
}

}  // namespace dnsstop
