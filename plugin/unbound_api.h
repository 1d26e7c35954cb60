// The part of Unbound's internal C API the module uses, included for C++.
//
// The module must be compiled against the configured source tree of the exact
// Unbound binary that loads it (struct layouts change with Debian's patches and
// configure flags; see docs/unbound-module.md). Every difference between Unbound
// versions that the module meets is handled in this file and nowhere else; the
// build passes the tree's version as DNSSTOP_UNBOUND_VERSION (MAJOR*10000 +
// MINOR*100 + PATCH, from its config.h: plugin/CMakeLists.txt).
//
// Any thread; the wrappers cost what the Unbound functions they call cost.
#pragma once

#include <cstddef>
#include <cstdint>

#ifndef DNSSTOP_UNBOUND_VERSION
#error "DNSSTOP_UNBOUND_VERSION is not set: the build derives it from the Unbound tree's config.h"
#endif

#if DNSSTOP_UNBOUND_VERSION >= 12000
// 1.20's util/data/msgreply.h forward-declares `enum comm_point_type;`, which C++
// only accepts after a declaration that names the underlying type (int, as C gives it).
enum comm_point_type : int;
#endif

extern "C" {
#include "config.h"  // must come first: it decides the layout of what follows

#include "dynlibmod/dynlibmod.h"
#include "services/cache/dns.h"
#include "services/cache/rrset.h"
#include "sldns/rrdef.h"
#include "util/data/dname.h"
#include "util/data/msgreply.h"
#include "util/config_file.h"
#include "util/data/packed_rrset.h"
#include "util/log.h"
#include "util/module.h"
#include "util/net_help.h"
#include "util/regional.h"
#include "util/storage/lruhash.h"
#include "util/storage/slabhash.h"
}

namespace dnsstop::unbound {

// The reply header for a synthesised answer: one question, no prefetch,
// serve-expired or no-recursion TTL of its own, never secure, no EDE of Unbound's.
inline reply_info* make_reply(regional* region, std::uint16_t flags, std::size_t answer_rrsets,
                              std::size_t authority_rrsets, std::uint32_t ttl) {
  const std::size_t total = answer_rrsets + authority_rrsets;
#if DNSSTOP_UNBOUND_VERSION >= 12200  // 1.22 added norecttl after expttl
  return construct_reply_info_base(region, flags, 1, ttl, ttl, ttl, ttl, answer_rrsets, authority_rrsets, 0, total,
                                   sec_status_insecure, LDNS_EDE_NONE);
#elif DNSSTOP_UNBOUND_VERSION >= 11800  // 1.18 added reason_bogus
  return construct_reply_info_base(region, flags, 1, ttl, ttl, ttl, answer_rrsets, authority_rrsets, 0, total,
                                   sec_status_insecure, LDNS_EDE_NONE);
#else
  return construct_reply_info_base(region, flags, 1, ttl, ttl, ttl, answer_rrsets, authority_rrsets, 0, total,
                                   sec_status_insecure);
#endif
}

}  // namespace dnsstop::unbound
