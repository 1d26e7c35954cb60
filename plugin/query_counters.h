// Counters of the module's decisions, one block per worker thread so the query
// path never writes to a cache line another thread writes (a thread beyond the
// 64th shares a block, which stays correct: the adds are atomic).
//
// add: any thread, one relaxed atomic add on its own cache line. totals(): any
// thread (the metrics writer), sums all blocks.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/list_policy.h"
#include "core/snapshot_format.h"

namespace dnsstop::plugin {

class QueryCounters {
 public:
  // Per configured list (configuration order), plus one for lists the snapshot has
  // but the configuration does not name.
  static constexpr std::size_t kListSlots = snapshot_format::kMaxLists + 1;
  static constexpr std::size_t kUnconfiguredList = kUnconfiguredListCounter;

  struct Totals {
    std::array<std::uint64_t, kListSlots> blocked{};
    std::uint64_t unfiltered_without_snapshot = 0;
    std::uint64_t servfail_without_snapshot = 0;
  };

  void count_blocked(std::size_t list_slot) noexcept { add(own_block().blocked[list_slot]); }
  void count_unfiltered() noexcept { add(own_block().unfiltered_without_snapshot); }
  void count_servfail() noexcept { add(own_block().servfail_without_snapshot); }
  Totals totals() const noexcept;

 private:
  struct alignas(64) Block {
    std::array<std::atomic<std::uint64_t>, kListSlots> blocked{};
    std::atomic<std::uint64_t> unfiltered_without_snapshot{0};
    std::atomic<std::uint64_t> servfail_without_snapshot{0};
  };
  static constexpr std::size_t kBlocks = 64;

  static void add(std::atomic<std::uint64_t>& counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }
  Block& own_block() noexcept;

  std::array<Block, kBlocks> blocks_{};
};

}  // namespace dnsstop::plugin
