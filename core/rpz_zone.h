// The Response Policy Zone (RPZ) that dnsstop-sync writes for resolvers without the
// module (stock Unbound, BIND, PowerDNS Recursor, Knot Resolver): every list merged
// into one zone whose answers give the snapshot's verdict for every name
// (docs/other-resolvers.md explains the mapping and what each resolver can express).
//
// Pure: lists in memory in, zone text out; any thread. build_rpz_zone costs
// O(E log E) for E entries and about 60 bytes of zone text per entry.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/snapshot_builder.h"

namespace dnsstop {

struct RpzZoneOptions {
  std::string origin;  // the zone's canonical name, e.g. "dnsstop.rpz"
  std::uint32_t serial = 1;
  std::uint32_t ttl = 300;  // of every record, and the SOA's negative TTL
  std::string soa_mname = "dnsstop.invalid";
  std::string soa_rname = "hostmaster.dnsstop.invalid";
  std::vector<std::array<std::uint8_t, 4>> stoppage_ipv4;
  std::vector<std::array<std::uint8_t, 16>> stoppage_ipv6;
};

// One zone for all lists. An entry's name gets a trigger for the name and, unless
// the entry is exact ('=' prefix), one for "*.name": stop-page A/AAAA for stoppage
// lists, "CNAME ." for nxdomain, "CNAME *." for nodata, "CNAME rpz-passthru." for
// allow lists. Where several lists name the same name and scope, the one the snapshot
// lets win is the only one written (allow lists first, then list order); deeper
// names win by RPZ's own rule (an exact trigger beats a wildcard, the longest
// wildcard beats shorter ones), as they do in the snapshot. For resolvers that match
// wildcards by DNS rules instead (Unbound), the deciding subtree entry's records are
// restated below exact-only entries and on the empty non-terminals under it.
//
// Throws std::invalid_argument for what build_snapshot refuses (list names, more than
// 15 lists, entries that are not canonical), for an origin that is not canonical, and
// when a stoppage list has no stop-page address to answer with.
std::string build_rpz_zone(std::span<const ListInput> lists, const RpzZoneOptions& options);

// The serial of a zone build_rpz_zone wrote (read from its SOA line); nullopt for
// any other text.
std::optional<std::uint32_t> read_rpz_serial(std::string_view zone_text);

// The serial for a new version: the time (seconds, cut to 32 bits) when that is
// newer than `previous` by RFC 1982 serial arithmetic, else previous + 1, so the
// serial increases with every change even when the clock is behind or two changes
// fall in one second. No previous zone: the time.
std::uint32_t next_rpz_serial(std::optional<std::uint32_t> previous, std::uint64_t now_unix);

}  // namespace dnsstop
