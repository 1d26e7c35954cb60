// CachePurge: removes from Unbound's message and RRset caches every entry whose
// owner name a new snapshot blocks, so that no cached answer outlives a list
// change: cache hits never reach the module, so this is what makes blocking
// complete. See docs/unbound-module.md, "Purging".
//
// A purge is begun by the module's watcher thread right after a swap and carried
// out in slices by Unbound's worker threads (plugin/worker_doorbell.h), never by the
// watcher: a worker's event loop is the one place where the caches cannot be freed
// or replaced under it (reload, fast_reload). A slice walks hash bins until its time
// budget is spent; per bin it holds Unbound's locks only to copy the bin's keys (as
// a cache lookup holds them), judges the copies unlocked (one snapshot lookup each,
// about 0.5 us), and removes what must go with Unbound's own remove functions.
//
// The walk goes round the caches, slab after slab, and never starts again from the
// beginning: a purge ends once every slab has been walked whole after it began, so
// swaps that come faster than a walk (each begins a purge with its snapshot) delay
// the end but never leave part of the cache unjudged.
//
// Threads: begin() and another_lap() from any thread; run_slice() from worker
// threads, one slice at a time (a second caller returns at once). All take a mutex
// that a slice holds for its budget.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>

#include "plugin/unbound_api.h"

namespace dnsstop::plugin {

// Whether cached data owned by this wire-format name must leave the cache.
using MustLeaveCache = std::function<bool(std::span<const std::uint8_t> wire_name)>;

struct PurgeReport {
  std::uint64_t generation = 0;  // the snapshot the purge made the cache agree with
  std::size_t messages_removed = 0;
  std::size_t rrsets_removed = 0;
  std::size_t messages_judged = 0;  // the walk's work: cached entries looked up
  std::size_t rrsets_judged = 0;
  std::size_t slices = 0;
  std::chrono::steady_clock::duration elapsed{};  // from begin() to the last slice
};

struct SliceOutcome {
  bool more = false;                     // call run_slice() again
  std::optional<PurgeReport> completed;  // this slice finished a purge
};

class CachePurge {
 public:
  // Starts a purge that judges every cached entry with `must_leave` from now on; a
  // purge still running goes on with it and ends one whole walk later.
  void begin(std::uint64_t generation, MustLeaveCache must_leave);
  // One more whole walk with the same judge: for entries stored after the walk had
  // passed their bin, decided with an older snapshot (see BlockingModule::on_resolved).
  void another_lap();
  // One slice of the current purge against this worker's caches, for about `budget`.
  SliceOutcome run_slice(module_env& worker_env, std::chrono::steady_clock::duration budget);

 private:
  enum class Cache : std::uint8_t { kMessages, kRrsets };
  void restart_report_if_idle();

  std::mutex mutex_;  // guards what follows
  MustLeaveCache must_leave_;
  PurgeReport report_;
  std::chrono::steady_clock::time_point began_;
  bool lap_requested_ = false;  // count the slabs of a whole walk at the next slice
  std::size_t slabs_left_ = 0;  // to walk whole before the purge ends; 0: idle
  Cache cache_ = Cache::kMessages;  // where the walk is
  std::size_t slab_ = 0;
  std::size_t bin_ = 0;
};

}  // namespace dnsstop::plugin
