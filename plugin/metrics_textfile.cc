// Prometheus text exposition of the module's counters and snapshot state.
#include "plugin/metrics_textfile.h"

namespace dnsstop::plugin {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

template <class Number>
void sample(std::string& out, const char* name, const std::string& labels, Number value) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += " " + std::to_string(value) + "\n";
}

// List names are [A-Za-z0-9._-], so they need no escaping inside a label value.
std::string list_label(std::string_view name) { return "list=\"" + std::string(name) + "\""; }

}  // namespace

std::string render_metrics(const ModuleFigures& figures) {
  std::string out;
  family(out, "dnsstop_blocked_answers_total", "counter",
         "Answers replaced because a list blocks the name (from the cache or not), by list.");
  for (std::size_t i = 0; i < figures.configured_lists.size(); ++i) {
    sample(out, "dnsstop_blocked_answers_total", list_label(figures.configured_lists[i]), figures.counters.blocked[i]);
  }
  sample(out, "dnsstop_blocked_answers_total", list_label("unconfigured"),
         figures.counters.blocked[QueryCounters::kUnconfiguredList]);
  family(out, "dnsstop_unfiltered_answers_total", "counter", "Queries resolved unfiltered for lack of a snapshot.");
  sample(out, "dnsstop_unfiltered_answers_total", "", figures.counters.unfiltered_without_snapshot);
  family(out, "dnsstop_servfail_answers_total", "counter", "Queries answered SERVFAIL for lack of a snapshot.");
  sample(out, "dnsstop_servfail_answers_total", "", figures.counters.servfail_without_snapshot);
  family(out, "dnsstop_snapshot_rejected_total", "counter", "Snapshot files that failed validation and were not used.");
  sample(out, "dnsstop_snapshot_rejected_total", "", figures.rejected_snapshots);
  family(out, "dnsstop_cache_purged_entries_total", "counter", "Cache entries removed because their list verdict changed.");
  sample(out, "dnsstop_cache_purged_entries_total", "", figures.purged_cache_entries);
  family(out, "dnsstop_snapshot_loaded", "gauge", "1 while a snapshot is in use.");
  sample(out, "dnsstop_snapshot_loaded", "", figures.snapshot != nullptr ? 1u : 0u);
  if (figures.snapshot == nullptr) return out;

  const SnapshotView& view = *figures.snapshot;
  family(out, "dnsstop_snapshot_entries", "gauge", "Entries in the snapshot in use.");
  sample(out, "dnsstop_snapshot_entries", "", view.entry_count());
  family(out, "dnsstop_snapshot_age_seconds", "gauge", "Seconds since the snapshot in use was compiled.");
  sample(out, "dnsstop_snapshot_age_seconds", "", figures.now_unix - static_cast<std::int64_t>(view.created_unix()));
  family(out, "dnsstop_snapshot_installed_timestamp_seconds", "gauge", "Unix time the snapshot in use was swapped in.");
  sample(out, "dnsstop_snapshot_installed_timestamp_seconds", "", figures.installed_unix);
  family(out, "dnsstop_cache_purge_duration_seconds", "gauge",
         "Seconds the cache purge after the swap to the snapshot in use took.");
  sample(out, "dnsstop_cache_purge_duration_seconds", "", figures.last_purge_seconds);
  family(out, "dnsstop_list_serial", "gauge", "Serial of each list in the snapshot in use.");
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    sample(out, "dnsstop_list_serial", list_label(view.list(i).name), view.list(i).serial);
  }
  family(out, "dnsstop_list_entries", "gauge", "Entries each list contributed to the snapshot in use.");
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    sample(out, "dnsstop_list_entries", list_label(view.list(i).name), view.list(i).entry_count);
  }
  return out;
}

}  // namespace dnsstop::plugin
