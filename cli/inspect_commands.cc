// `dnsstop lookup` and `dnsstop info`: look inside a snapshot file.
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/name.h"
#include "core/snapshot_file.h"

namespace dnsstop::cli {
namespace {

std::string utc_time(std::uint64_t unix_seconds) {
  if (unix_seconds == 0) return "unknown";
  const auto time = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&time, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string describe(const SnapshotView& view, std::string_view name, const LookupResult& result) {
  if (result.listing == Listing::kUnlisted) return "unlisted";
  const ListInfo list = view.list(result.list);
  std::string entry(matched_entry_name(name, result));
  if (result.scope == MatchScope::Exact) entry.insert(0, "=");
  std::string text = result.listing == Listing::kBlocked ? "blocked" : "allowed";
  text += " by " + entry + " in list " + std::string(list.name) + " (" + std::string(action_name(list.action)) + ")";
  return text;
}

}  // namespace

int lookup_command(const std::string& snapshot_path, const std::vector<std::string>& names) {
  const auto snapshot = LoadedSnapshot::load(snapshot_path);
  int exit_code = kExitOk;
  for (const std::string& raw : names) {
    const NormalizedName name = normalize_name(raw);
    if (!name.ok()) {
      std::printf("%s\tinvalid name: %s\n", raw.c_str(), name.error.c_str());
      exit_code = kExitFailure;
      continue;
    }
    const LookupResult result = snapshot->view().lookup(name.name);
    std::printf("%s\t%s\n", name.name.c_str(), describe(snapshot->view(), name.name, result).c_str());
  }
  return exit_code;
}

int info_command(const std::string& snapshot_path) {
  const auto snapshot = LoadedSnapshot::load(snapshot_path);
  const SnapshotView& view = snapshot->view();
  const double per_entry = view.entry_count() == 0 ? 0.0 : static_cast<double>(view.size_bytes()) /
                                                               static_cast<double>(view.entry_count());
  std::printf("snapshot: %s\n", snapshot_path.c_str());
  std::printf("format:   %u\n", snapshot_format::kFormatVersion);
  std::printf("created:  %s\n", utc_time(view.created_unix()).c_str());
  std::printf("entries:  %llu\n", static_cast<unsigned long long>(view.entry_count()));
  std::printf("size:     %zu bytes (%.1f bytes per entry, %u trie slots)\n", view.size_bytes(), per_entry,
              view.slot_count());
  std::printf("lists:    %zu\n", view.list_count());
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    const ListInfo list = view.list(i);
    std::printf("  %-20.*s %-9s serial %llu, published %s, %llu entries\n", static_cast<int>(list.name.size()),
                list.name.data(), std::string(action_name(list.action)).c_str(),
                static_cast<unsigned long long>(list.serial), utc_time(list.published_unix).c_str(),
                static_cast<unsigned long long>(list.entry_count));
  }
  return kExitOk;
}

}  // namespace dnsstop::cli
