// Keeps the facts the check page shows (which list holds the check host, its serial
// and publication time) current as new snapshots are published.
//
// The constructor loads the snapshot once if it exists and starts one background
// thread, which stats the file every interval and reloads it when it changed
// (O(snapshot size) then, like the module's watcher). facts(): any thread, takes a
// mutex for a copy of a small struct. The destructor stops and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/snapshot_file.h"
#include "stoppage/pages.h"

namespace dnsstop::stoppage {

class ListWatcher {
 public:
  ListWatcher(std::string snapshot_path, std::string check_host, std::chrono::milliseconds interval);
  ListWatcher(const ListWatcher&) = delete;
  ListWatcher& operator=(const ListWatcher&) = delete;
  ~ListWatcher();

  ListFacts facts() const;

 private:
  void refresh();
  void run(std::chrono::milliseconds interval);

  const std::string snapshot_path_;
  const std::string check_host_;
  FileIdentity loaded_identity_;  // watcher thread (and constructor) only
  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;  // guarded by mutex_
  ListFacts facts_;        // guarded by mutex_
  std::thread thread_;
};

}  // namespace dnsstop::stoppage
