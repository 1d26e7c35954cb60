// BlockingModule: the module's whole state inside Unbound, one instance per
// dynlib load. It answers queries for listed names, checks every resolved answer
// (CNAME chains included) before it is cached, keeps the snapshot current from a
// background thread, and purges the cache when the lists change.
// docs/unbound-module.md explains the design and what was verified in Unbound.
//
// Threads: constructed and destroyed in Unbound's main thread (init/deinit);
// operate() and on_cache_hit() run in any worker thread and take no lock; the
// watcher thread it owns is joined by the destructor.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "core/config.h"
#include "core/rcu_pointer.h"
#include "core/snapshot_file.h"
#include "plugin/answer_synthesis.h"
#include "plugin/query_counters.h"
#include "plugin/unbound_api.h"

namespace dnsstop::plugin {

// A loaded snapshot with what the configuration says about each of its lists.
struct ActiveSnapshot {
  struct ListPolicy {
    Action action;
    std::uint16_t ede_code;
    std::string ede_text;
    std::size_t counter;  // index into the per-list counters (configuration order)
  };
  std::shared_ptr<const LoadedSnapshot> file;
  std::array<ListPolicy, snapshot_format::kMaxLists> lists{};
  std::uint64_t generation = 0;  // increases with every swap
};

class BlockingModule {
 public:
  // Throws std::runtime_error with a message for Unbound's log when the
  // configuration is bad; a missing or bad snapshot is not an error here.
  BlockingModule(module_env* env, Config config);
  BlockingModule(const BlockingModule&) = delete;
  BlockingModule& operator=(const BlockingModule&) = delete;
  ~BlockingModule();

  void operate(module_qstate* qstate, module_ev event, int id);
  // Unbound's reply_cache callback: adds the EDE and counts blocked answers served
  // from the cache, which never reach operate().
  void on_cache_hit(const query_info* qinfo, const reply_info* reply, edns_option** edns_out, regional* region);
  // For Unbound's get_mem: the module and its snapshot.
  std::size_t memory_bytes() const;

 private:
  struct QueryState {
    int started_no_cache_store;
    std::uint64_t unlisted_in_generation;  // the snapshot that found the query name unlisted
  };

  void on_new_query(module_qstate* qstate, int id);
  void on_resolved(module_qstate* qstate, int id);
  bool answer_blocked(module_qstate* qstate, const ActiveSnapshot& snapshot, const LookupResult& verdict,
                      std::span<const std::uint8_t> listed_name, bool cacheable);
  void store_unless_swapped(module_qstate* qstate, reply_info* reply, std::uint64_t decided_generation);
  void attach_ede(edns_option** list, regional* region, const ActiveSnapshot::ListPolicy& policy);

  void watch();
  void check_snapshot_file();
  void install(std::shared_ptr<const LoadedSnapshot> file);
  void write_metrics();

  module_env* env_;
  const Config config_;
  const AnswerSettings answers_;
  RcuPointer<ActiveSnapshot> snapshot_;
  QueryCounters counters_;

  // Watcher state: touched by the watcher thread only, after construction.
  std::optional<ActiveSnapshot> current_;  // what snapshot_ holds, kept for the purge after a swap
  FileIdentity rejected_file_{};
  std::int64_t last_missing_log_ = 0;
  std::string unexaminable_path_logged_;  // the last error logged for a path stat() fails on
  std::int64_t last_metrics_write_ = 0;
  std::atomic<std::uint64_t> rejected_loads_{0};
  std::atomic<std::uint64_t> purged_entries_{0};

  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace dnsstop::plugin
