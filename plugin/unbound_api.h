// The part of Unbound's internal C API the module uses, included for C++.
//
// The module must be compiled against the configured source tree of the exact
// Unbound binary that loads it (struct layouts change with Debian's patches and
// configure flags; see docs/unbound-module.md). Every difference between Unbound
// versions that the module meets is handled in this file and nowhere else.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include "config.h"  // must come first: it decides the layout of what follows

#include "dynlibmod/dynlibmod.h"
#include "services/cache/dns.h"
#include "services/cache/rrset.h"
#include "sldns/rrdef.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/data/packed_rrset.h"
#include "util/log.h"
#include "util/module.h"
#include "util/net_help.h"
#include "util/regional.h"
#include "util/storage/lruhash.h"
#include "util/storage/slabhash.h"
}

namespace dnsstop::unbound {

// The reply header Unbound 1.17 builds for a synthesised answer: one question, no
// prefetch or serve-expired TTL of its own, never secure.
inline reply_info* make_reply(regional* region, std::uint16_t flags, std::size_t answer_rrsets,
                              std::size_t authority_rrsets, std::uint32_t ttl) {
  const std::size_t total = answer_rrsets + authority_rrsets;
  return construct_reply_info_base(region, flags, 1, ttl, ttl, ttl, answer_rrsets, authority_rrsets, 0, total,
                                   sec_status_insecure);
}

// Stores a final answer in the message and RRset caches, as the iterator would.
inline bool store_in_cache(module_qstate* qstate, reply_info* reply) {
  return dns_cache_store(qstate->env, &qstate->qinfo, reply, 0, 0, 0, nullptr, qstate->query_flags,
                         qstate->qstarttime) != 0;
}

}  // namespace dnsstop::unbound
