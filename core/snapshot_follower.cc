// The module's rules for following the snapshot file, shared by every follower.
#include "core/snapshot_follower.h"

#include <utility>

namespace dnsstop {

SnapshotFollower::SnapshotFollower(Settings settings, Use use, Log log)
    : settings_(std::move(settings)), use_(std::move(use)), log_(std::move(log)) {}

void SnapshotFollower::give_up_snapshot() {
  if (settings_.keep_last_good || !in_use_) return;
  in_use_.reset();
  use_(nullptr);
}

SnapshotFollower::Outcome SnapshotFollower::check(std::int64_t now_unix) {
  FileIdentity identity;
  try {
    identity = identify_file(settings_.path);
  } catch (const FileError& error) {
    give_up_snapshot();
    // With a snapshot in use, a path gone bad (removed, a symlink loop) is logged once
    // per cause, as a damaged file is, while the snapshot keeps serving.
    if (in_use_ && unexaminable_logged_ != error.what()) {
      unexaminable_logged_ = error.what();
      log_(LogLevel::kError,
           "cannot examine the snapshot path: " + std::string(error.what()) + "; keeping the loaded snapshot");
    }
    if (!in_use_ && !settings_.without_snapshot.empty() &&
        (!last_missing_log_ || now_unix - *last_missing_log_ >= kMissingSnapshotLogSeconds)) {
      last_missing_log_ = now_unix;
      log_(LogLevel::kError, "no snapshot yet (" + std::string(error.what()) + "); " + settings_.without_snapshot +
                                 " until one arrives");
    }
    return Outcome::kNoFile;
  }
  unexaminable_logged_.clear();
  if (identity == in_use_ || identity == rejected_) return Outcome::kUnchanged;
  std::shared_ptr<const LoadedSnapshot> loaded;
  std::string failure;  // a damaged file, or one that cannot be read: either way it is not used
  try {
    loaded = LoadedSnapshot::load(settings_.path);
  } catch (const SnapshotError& error) {
    failure = error.what();
  } catch (const FileError& error) {
    failure = error.what();
  }
  if (!loaded) {
    rejected_ = identity;
    give_up_snapshot();
    log_(LogLevel::kError,
         "rejected snapshot: " + failure + "; " + (in_use_ ? "keeping the previous one" : "still without a snapshot"));
    return Outcome::kRejected;
  }
  // The identity of the file read, which a replacement between stat and open changes.
  in_use_ = loaded->identity();
  use_(std::move(loaded));
  return Outcome::kLoaded;
}

}  // namespace dnsstop
