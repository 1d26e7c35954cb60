// The module's figures in Prometheus text format, for node_exporter's textfile
// collector (the module runs inside Unbound, which gives it no HTTP port of its own).
//
// Pure rendering; the watcher thread writes the result with write_file_atomically.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/snapshot_reader.h"
#include "plugin/query_counters.h"

namespace dnsstop::plugin {

struct ModuleFigures {
  QueryCounters::Totals counters;
  std::vector<std::string> configured_lists;  // configuration order, as the counters are kept
  const SnapshotView* snapshot = nullptr;     // null while there is none
  std::uint64_t rejected_snapshots = 0;
  std::uint64_t purged_cache_entries = 0;
  std::int64_t installed_unix = 0;  // when the snapshot was swapped in
  double last_purge_seconds = 0;    // the cache purge after that swap
  std::int64_t now_unix = 0;
};

std::string render_metrics(const ModuleFigures& figures);

}  // namespace dnsstop::plugin
