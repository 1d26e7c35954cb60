// Keeps the facts the check page shows (which list holds the check host, its serial
// and publication time) current as new snapshots are published.
//
// The constructor loads the snapshot once if it exists and starts one background
// thread, which follows the file (core/snapshot_follower.h: a stat every interval, a
// load, O(snapshot size), when it changed). facts(): any thread, takes a mutex for a
// copy of a small struct. The destructor stops and joins the thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/periodic_thread.h"
#include "core/snapshot_follower.h"
#include "stoppage/pages.h"

namespace dnsstop::stoppage {

class ListWatcher {
 public:
  ListWatcher(std::string snapshot_path, std::string check_host, std::chrono::milliseconds interval);
  ListWatcher(const ListWatcher&) = delete;
  ListWatcher& operator=(const ListWatcher&) = delete;

  ListFacts facts() const;

 private:
  void use(const LoadedSnapshot* snapshot);

  const std::string check_host_;
  mutable std::mutex mutex_;
  ListFacts facts_;  // guarded by mutex_
  SnapshotFollower follower_;              // the follower thread (and constructor) only
  std::optional<PeriodicThread> thread_;  // last: stopped first
};

}  // namespace dnsstop::stoppage
