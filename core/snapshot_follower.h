// Following the snapshot file at one path: each check() stats the path and loads the
// file only when its identity (device, inode, mtime, size) is new, hands a valid one
// to its user, rejects a bad one once per file identity (not again every check), and
// logs each cause once: a path that cannot be examined once per error, a missing
// snapshot once a minute. The module, the stop page and dnsstop-sync all follow the
// file with it; docs/snapshot-swap.md describes the protocol.
//
// Not thread-safe: one thread calls check() (a PeriodicThread's task, or a startup
// path), and the hooks run in that thread. A check costs one stat(2) when nothing
// changed, a load (O(snapshot size)) when the file did.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/log.h"
#include "core/snapshot_file.h"

namespace dnsstop {

class SnapshotFollower {
 public:
  struct Settings {
    std::string path;
    // true (the module, the sync): a loaded snapshot stays in use, whatever becomes
    // of the path, until a valid newer file replaces it. false (the stop page): when
    // the path holds no valid file the user is handed null, and a file that returns
    // is loaded again.
    bool keep_last_good = true;
    // What the user does while it has no snapshot ("answering SERVFAIL"), logged once a
    // minute with the reason; empty: a missing snapshot is not logged.
    std::string without_snapshot;
  };
  // Takes a newly loaded valid snapshot, or null when keep_last_good is false and the
  // path has none.
  using Use = std::function<void(std::shared_ptr<const LoadedSnapshot>)>;
  using Log = std::function<void(LogLevel, const std::string&)>;

  enum class Outcome { kUnchanged, kLoaded, kRejected, kNoFile };

  SnapshotFollower(Settings settings, Use use, Log log);

  // One look at the path; `now_unix` paces the missing-snapshot message.
  Outcome check(std::int64_t now_unix);

  bool has_snapshot() const noexcept { return in_use_.has_value(); }

 private:
  static constexpr std::int64_t kMissingSnapshotLogSeconds = 60;

  void give_up_snapshot();

  const Settings settings_;
  const Use use_;
  const Log log_;
  std::optional<FileIdentity> in_use_;  // the file of the snapshot handed to use_
  std::optional<FileIdentity> rejected_;
  std::string unexaminable_logged_;  // the last error logged for a path stat() fails on
  std::optional<std::int64_t> last_missing_log_;
};

}  // namespace dnsstop
