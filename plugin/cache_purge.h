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
// Threads: begin() from any thread; run_slice() from worker threads, one slice at a
// time (a second caller returns at once). Both take a mutex that a slice holds for
// its budget.
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
  // Starts a purge that judges every cached entry with `must_leave`; a purge still
  // running is abandoned, as this one covers the whole cache again.
  void begin(std::uint64_t generation, MustLeaveCache must_leave);
  // One slice of the current purge against this worker's caches, for about `budget`.
  SliceOutcome run_slice(module_env& worker_env, std::chrono::steady_clock::duration budget);

 private:
  enum class Cache : std::uint8_t { kMessages, kRrsets, kDone };
  std::mutex mutex_;  // guards what follows
  MustLeaveCache must_leave_;
  PurgeReport report_;
  std::chrono::steady_clock::time_point began_;
  Cache cache_ = Cache::kDone;
  std::size_t slab_ = 0;
  std::size_t bin_ = 0;
};

}  // namespace dnsstop::plugin
