// Per-thread counter blocks.
#include "plugin/query_counters.h"

namespace dnsstop::plugin {

QueryCounters::Block& QueryCounters::own_block() noexcept {
  static std::atomic<std::size_t> threads_seen{0};
  thread_local const std::size_t thread_index = threads_seen.fetch_add(1, std::memory_order_relaxed);
  return blocks_[thread_index % kBlocks];
}

QueryCounters::Totals QueryCounters::totals() const noexcept {
  Totals totals;
  for (const Block& block : blocks_) {
    for (std::size_t list = 0; list < kListSlots; ++list) {
      totals.blocked[list] += block.blocked[list].load(std::memory_order_relaxed);
    }
    totals.unfiltered_without_snapshot += block.unfiltered_without_snapshot.load(std::memory_order_relaxed);
    totals.servfail_without_snapshot += block.servfail_without_snapshot.load(std::memory_order_relaxed);
  }
  return totals;
}

}  // namespace dnsstop::plugin
