// Builds the DNS answer for a blocked query inside the query's own region:
// the stop page's A/AAAA records, or NXDOMAIN/NODATA with a synthesised SOA so
// that downstream resolvers cache the negative answer for the configured TTL.
//
// Worker threads, from the module's operate(); allocates only from qstate->region.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/action.h"
#include "core/config.h"
#include "core/snapshot_format.h"
#include "plugin/unbound_api.h"

namespace dnsstop::plugin {

struct AnswerSettings {
  std::vector<std::array<std::uint8_t, 4>> stoppage_ipv4;
  std::vector<std::array<std::uint8_t, 16>> stoppage_ipv6;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> soa_mname_wire;
  std::vector<std::uint8_t> soa_rname_wire;

  static AnswerSettings from_config(const AnswerConfig& config);
};

// Synthesised RRsets carry the deciding list's number in RRset flag bits that Unbound
// does not use, so that a cache hit can tell its list without a lookup.
inline constexpr std::uint32_t kListFlagShift = 16;
inline constexpr std::uint32_t kListFlagMask = 0xFu << kListFlagShift;
static_assert((kListFlagMask & unbound::kUnboundRrsetFlags) == 0, "list numbers must not touch Unbound's flags");
static_assert(snapshot_format::kMaxLists < 16, "list numbers must fit the flag bits");

// The snapshot list index a cached RRset's flags name, if a synthesised one.
inline std::optional<std::size_t> list_of_synthesised(std::uint32_t rrset_flags) noexcept {
  const std::uint32_t number = (rrset_flags & kListFlagMask) >> kListFlagShift;
  if ((rrset_flags & PACKED_RRSET_RPZ) == 0 || number == 0) return std::nullopt;
  return number - 1;
}

// The answer for `qstate->qinfo` under `action` (never kAllow), decided by snapshot
// list `list_index`. `zone` is the listed entry's name in wire form, the owner of
// the SOA; `serial` goes into it. Returns null when the region is out of memory.
dns_msg* synthesize_block_answer(module_qstate* qstate, Action action, std::size_t list_index,
                                 const AnswerSettings& settings, std::span<const std::uint8_t> zone,
                                 std::uint32_t serial);

}  // namespace dnsstop::plugin
