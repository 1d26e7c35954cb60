// Prometheus text exposition of the module's counters and snapshot state.
#include "plugin/metrics_textfile.h"

#include "core/prometheus_text.h"

namespace dnsstop::plugin {
namespace {

constexpr MetricType kCounter = MetricType::kCounter;
constexpr MetricType kGauge = MetricType::kGauge;

}  // namespace

std::string render_metrics(const ModuleFigures& figures) {
  PrometheusText out;
  out.family("dnsstop_blocked_answers_total", kCounter,
             "Answers replaced because a list blocks the name (from the cache or not), by list.");
  for (std::size_t i = 0; i < figures.configured_lists.size(); ++i) {
    out.sample("dnsstop_blocked_answers_total", {{"list", figures.configured_lists[i]}}, figures.counters.blocked[i]);
  }
  out.sample("dnsstop_blocked_answers_total", {{"list", "unconfigured"}},
             figures.counters.blocked[QueryCounters::kUnconfiguredList]);
  out.family("dnsstop_unfiltered_answers_total", kCounter, "Queries resolved unfiltered for lack of a snapshot.");
  out.sample("dnsstop_unfiltered_answers_total", {}, figures.counters.unfiltered_without_snapshot);
  out.family("dnsstop_servfail_answers_total", kCounter, "Queries answered SERVFAIL for lack of a snapshot.");
  out.sample("dnsstop_servfail_answers_total", {}, figures.counters.servfail_without_snapshot);
  out.family("dnsstop_snapshot_rejected_total", kCounter, "Snapshot files that failed validation and were not used.");
  out.sample("dnsstop_snapshot_rejected_total", {}, figures.rejected_snapshots);
  out.family("dnsstop_cache_purged_entries_total", kCounter, "Cache entries removed because their list verdict changed.");
  out.sample("dnsstop_cache_purged_entries_total", {}, figures.purged_cache_entries);
  out.family("dnsstop_snapshot_loaded", kGauge, "1 while a snapshot is in use.");
  out.sample("dnsstop_snapshot_loaded", {}, figures.snapshot != nullptr ? 1u : 0u);
  if (figures.snapshot == nullptr) return out.take();

  const SnapshotView& view = *figures.snapshot;
  out.family("dnsstop_snapshot_entries", kGauge, "Entries in the snapshot in use.");
  out.sample("dnsstop_snapshot_entries", {}, view.entry_count());
  out.family("dnsstop_snapshot_age_seconds", kGauge, "Seconds since the snapshot in use was compiled.");
  out.sample("dnsstop_snapshot_age_seconds", {}, figures.now_unix - static_cast<std::int64_t>(view.created_unix()));
  out.family("dnsstop_snapshot_installed_timestamp_seconds", kGauge, "Unix time the snapshot in use was swapped in.");
  out.sample("dnsstop_snapshot_installed_timestamp_seconds", {}, figures.installed_unix);
  out.family("dnsstop_cache_purge_duration_seconds", kGauge,
             "Seconds the cache purge after the swap to the snapshot in use took.");
  out.sample("dnsstop_cache_purge_duration_seconds", {}, figures.last_purge_seconds);
  out.family("dnsstop_list_serial", kGauge, "Serial of each list in the snapshot in use.");
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    out.sample("dnsstop_list_serial", {{"list", view.list(i).name}}, view.list(i).serial);
  }
  out.family("dnsstop_list_entries", kGauge, "Entries each list contributed to the snapshot in use.");
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    out.sample("dnsstop_list_entries", {{"list", view.list(i).name}}, view.list(i).entry_count);
  }
  return out.take();
}

}  // namespace dnsstop::plugin
