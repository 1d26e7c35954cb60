// Builds the DNS answer for a blocked query inside the query's own region:
// the stop page's A/AAAA records, or NXDOMAIN/NODATA with a synthesised SOA so
// that downstream resolvers cache the negative answer for the configured TTL.
//
// Worker threads, from the module's operate(); allocates only from qstate->region.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/action.h"
#include "core/config.h"
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

// The answer for `qstate->qinfo` under `action` (never kAllow). `zone` is the listed
// entry's name in wire form, the owner of the SOA; `serial` goes into it. Returns
// null when the region is out of memory.
dns_msg* synthesize_block_answer(module_qstate* qstate, Action action, const AnswerSettings& settings,
                                 std::span<const std::uint8_t> zone, std::uint32_t serial);

}  // namespace dnsstop::plugin
