// Removes from Unbound's message and RRset caches every entry whose owner name the
// new snapshot judges differently from the old one (newly blocked, unblocked, or
// decided by another list), so that no cached answer outlives a list
// change: cache hits never reach the module, so this is what makes blocking
// complete. See docs/unbound-module.md.
//
// The module's background thread only. Walks both caches one hash bin at a time,
// holding Unbound's locks only to copy the bin's keys (as long as a cache lookup
// holds them), judges the copies unlocked, two snapshot lookups per cached entry
// (about 1 us), and finally removes what it collected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "plugin/unbound_api.h"

namespace dnsstop::plugin {

struct PurgeCounts {
  std::size_t messages = 0;  // removed
  std::size_t rrsets = 0;
  std::size_t messages_judged = 0;  // the walk's work: cached entries looked up in both snapshots
  std::size_t rrsets_judged = 0;
};

// What one snapshot decides for a wire-format name, reduced to a value that is
// equal for two snapshots exactly when cached answers for the name may stay.
using NameJudge = std::function<std::uint64_t(std::span<const std::uint8_t> wire_name)>;

PurgeCounts purge_changed_names(module_env* env, const NameJudge& before, const NameJudge& after);

}  // namespace dnsstop::plugin
