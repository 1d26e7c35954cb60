#include "stoppage/list_watcher.h"

#include <cstdio>
#include <exception>
#include <utility>

namespace dnsstop::stoppage {

ListWatcher::ListWatcher(std::string snapshot_path, std::string check_host, std::chrono::milliseconds interval)
    : snapshot_path_(std::move(snapshot_path)), check_host_(std::move(check_host)) {
  refresh();
  thread_ = std::thread([this, interval] { run(interval); });
}

ListWatcher::~ListWatcher() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

ListFacts ListWatcher::facts() const {
  const std::lock_guard lock(mutex_);
  return facts_;
}

void ListWatcher::refresh() {
  FileIdentity identity;
  try {
    identity = identify_file(snapshot_path_);
  } catch (const std::exception&) {
    identity = {};  // no file: the facts become unknown
  }
  if (identity == loaded_identity_) return;
  ListFacts facts;
  if (identity != FileIdentity{}) {
    try {
      const auto snapshot = LoadedSnapshot::load(snapshot_path_);
      const LookupResult result = snapshot->view().lookup(check_host_);
      if (!check_host_.empty() && result.listing == Listing::kBlocked) {
        const ListInfo list = snapshot->view().list(result.list);
        // Lists compiled by hand carry no publication time; the snapshot's own
        // creation time is then the best age there is.
        const std::uint64_t published = list.published_unix != 0 ? list.published_unix : snapshot->view().created_unix();
        facts = {true, std::string(list.name), list.serial, published};
      }
      identity = snapshot->identity();
    } catch (const std::exception& error) {
      // A bad snapshot is the sync daemon's and the module's problem; the page shows
      // "unknown" rather than stale facts, and the message is logged once per file.
      std::fprintf(stderr, "dnsstop-stoppage: %s\n", error.what());
    }
  }
  loaded_identity_ = identity;
  const std::lock_guard lock(mutex_);
  facts_ = std::move(facts);
}

void ListWatcher::run(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    refresh();
    lock.lock();
  }
}

}  // namespace dnsstop::stoppage
