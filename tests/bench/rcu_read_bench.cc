// Cost of one RcuPointer read section, which every DNS query pays to reach the current
// snapshot: alone, nested, from several threads at once, and while a writer swaps
// snapshots back to back. docs/snapshot-swap.md quotes these figures.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "core/rcu_pointer.h"

namespace dnsstop {
namespace {

struct Snapshot {
  std::uint64_t generation = 0;
  std::array<std::uint64_t, 7> rest_of_the_cache_line{};
};

struct CurrentSnapshot {
  CurrentSnapshot() { pointer.replace(std::make_unique<const Snapshot>()); }
  RcuPointer<Snapshot> pointer;
};

// Shared by every benchmark thread, and holding a value before any of them reads.
RcuPointer<Snapshot>& current_snapshot() {
  static CurrentSnapshot current;
  return current.pointer;
}

// What a read would cost with no protection at all: the floor for the figures below.
void BM_UnprotectedAtomicLoad(benchmark::State& state) {
  static const Snapshot snapshot;
  static std::atomic<const Snapshot*> pointer{&snapshot};
  for (auto _ : state) {
    benchmark::DoNotOptimize(pointer.load(std::memory_order_seq_cst)->generation);
  }
}
BENCHMARK(BM_UnprotectedAtomicLoad)->Threads(1)->Threads(2);

void BM_ReadSection(benchmark::State& state) {
  const RcuPointer<Snapshot>& pointer = current_snapshot();
  for (auto _ : state) {
    const auto reader = pointer.read();
    benchmark::DoNotOptimize(reader->generation);
  }
}
BENCHMARK(BM_ReadSection)->Threads(1)->Threads(2);

void BM_NestedReadSection(benchmark::State& state) {
  const RcuPointer<Snapshot>& pointer = current_snapshot();
  const auto outer = pointer.read();
  for (auto _ : state) {
    const auto inner = pointer.read();
    benchmark::DoNotOptimize(inner->generation);
  }
}
BENCHMARK(BM_NestedReadSection);

// One reader and one writer that replaces the snapshot as fast as it can, which is
// far more often than any list update.
void BM_ReadSectionWhileSwapping(benchmark::State& state) {
  RcuPointer<Snapshot>& pointer = current_snapshot();
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> swaps{0};
  std::jthread writer([&] {
    for (std::uint64_t generation = 1; !stop.load(std::memory_order_relaxed); ++generation) {
      pointer.replace(std::make_unique<const Snapshot>(Snapshot{generation, {}}));
      swaps.fetch_add(1, std::memory_order_relaxed);
    }
  });
  for (auto _ : state) {
    const auto reader = pointer.read();
    benchmark::DoNotOptimize(reader->generation);
  }
  stop = true;
  writer.join();
  state.counters["swaps_per_s"] =
      benchmark::Counter(static_cast<double>(swaps.load()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadSectionWhileSwapping)->UseRealTime();

}  // namespace
}  // namespace dnsstop
