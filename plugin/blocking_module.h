// BlockingModule: the module's whole state inside Unbound, one instance per
// dynlib load. It answers queries for listed names (never from the cache), keeps
// every upstream response that leads to a listed name out of the cache, checks
// every resolved answer (CNAME chains included), keeps the snapshot current from a
// background thread, and has the worker threads purge the cache when the lists
// change. docs/unbound-module.md explains the design and what was verified in Unbound.
//
// Threads: constructed and destroyed in Unbound's main thread (init/deinit), the
// destructor only after Unbound has deleted its workers; operate(),
// on_upstream_response() and on_cache_hit() run in any worker thread and take no
// lock; the watcher thread it owns is joined by the destructor.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/config.h"
#include "core/list_policy.h"
#include "core/periodic_thread.h"
#include "core/rcu_pointer.h"
#include "core/snapshot_follower.h"
#include "plugin/answer_synthesis.h"
#include "plugin/cache_purge.h"
#include "plugin/query_counters.h"
#include "plugin/unbound_api.h"
#include "plugin/worker_doorbell.h"

namespace dnsstop::plugin {

// A loaded snapshot with what the configuration says about each of its lists.
struct ActiveSnapshot {
  std::shared_ptr<const LoadedSnapshot> file;
  ListPolicies lists{};
  std::uint64_t generation = 0;  // increases with every swap
};

class BlockingModule {
 public:
  // Loads the snapshot and purges the cache for it before any worker runs (`env` is
  // Unbound's own, as init gets it). Throws std::runtime_error with a message for
  // Unbound's log when the configuration is bad; a missing or bad snapshot is not
  // an error here.
  BlockingModule(module_env* env, Config config);
  BlockingModule(const BlockingModule&) = delete;
  BlockingModule& operator=(const BlockingModule&) = delete;
  ~BlockingModule();

  void operate(module_qstate* qstate, module_ev event, int id);
  // Unbound's query_response callback, run by the iterator on every upstream
  // response before it stores anything of it: a response that names a listed name
  // (its question, or an owner or CNAME/DNAME target of its answer) is not stored.
  void on_upstream_response(module_qstate* qstate, const dns_msg* response, int id);
  // Unbound's reply_cache callback, run on every answer from the message cache, with
  // the answering worker's environment: enrols the worker for cache purges.
  void on_cache_hit(module_env* worker_env) { doorbell_.enroll(worker_env); }
  // For Unbound's get_mem: the module and its snapshot.
  std::size_t memory_bytes() const;

 private:
  struct QueryState {
    std::uint64_t unlisted_in_generation;  // the snapshot that found the query name unlisted
  };

  void on_new_query(module_qstate* qstate, int id);
  void on_resolved(module_qstate* qstate, int id);
  bool answer_blocked(module_qstate* qstate, const ActiveSnapshot& snapshot, const LookupResult& verdict,
                      std::span<const std::uint8_t> listed_name);
  void remove_cached_answer(module_qstate* qstate);
  // Whether the configuration protects this query name: whatever a list or the
  // name's CNAME chain says, it is answered as resolved. Costs a name conversion and a
  // binary search, and is asked only when an answer would otherwise be blocked.
  bool is_protected(std::span<const std::uint8_t> name) const;
  void attach_ede(edns_option** list, regional* region, const ListPolicy& policy);

  void watch();
  void check_snapshot_file();
  void install(std::shared_ptr<const LoadedSnapshot> file);
  bool run_purge_slice(module_env& worker_env);
  void write_metrics();

  const Config config_;
  const AnswerSettings answers_;
  RcuPointer<ActiveSnapshot> snapshot_;
  QueryCounters counters_;

  // Watcher state: touched by the watcher thread only, after construction.
  std::optional<ActiveSnapshot> current_;  // what snapshot_ holds, for the next generation and the metrics
  SnapshotFollower follower_;
  std::int64_t last_metrics_write_ = 0;
  std::int64_t installed_unix_ = 0;  // when current_ was swapped in
  std::atomic<std::uint64_t> rejected_loads_{0};

  // The purge after each swap, run by the workers (run_purge_slice).
  CachePurge purge_;
  WorkerDoorbell doorbell_{[this](module_env& worker_env) { return run_purge_slice(worker_env); }};
  std::atomic<std::uint64_t> purged_entries_{0};
  std::atomic<double> last_purge_seconds_{0};  // how long the last completed purge took

  std::optional<PeriodicThread> watcher_;  // last: stopped first; started once the first check is done
};

}  // namespace dnsstop::plugin
