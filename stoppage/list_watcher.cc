// The check host's facts from each snapshot the follower loads.
#include "stoppage/list_watcher.h"

#include <ctime>
#include <utility>

#include "core/log.h"

namespace dnsstop::stoppage {

ListWatcher::ListWatcher(std::string snapshot_path, std::string check_host, std::chrono::milliseconds interval)
    : check_host_(std::move(check_host)),
      // A bad snapshot is the sync daemon's and the module's problem; the page shows
      // "unknown" rather than stale facts (keep_last_good false), and the rejection is
      // logged once per file.
      follower_({std::move(snapshot_path), false, ""},
                [this](std::shared_ptr<const LoadedSnapshot> snapshot) { use(snapshot.get()); }, log_line) {
  follower_.check(std::time(nullptr));
  thread_.emplace(interval, [this] { follower_.check(std::time(nullptr)); });
}

ListFacts ListWatcher::facts() const {
  const std::lock_guard lock(mutex_);
  return facts_;
}

void ListWatcher::use(const LoadedSnapshot* snapshot) {
  ListFacts facts;  // no snapshot: the facts become unknown
  if (snapshot != nullptr && !check_host_.empty()) {
    const LookupResult result = snapshot->view().lookup(check_host_);
    if (result.listing == Listing::kBlocked) {
      const ListInfo list = snapshot->view().list(result.list);
      // Lists compiled by hand carry no publication time; the snapshot's own
      // creation time is then the best age there is.
      const std::uint64_t published = list.published_unix != 0 ? list.published_unix : snapshot->view().created_unix();
      facts = {true, std::string(list.name), list.serial, published};
    }
  }
  const std::lock_guard lock(mutex_);
  facts_ = std::move(facts);
}

}  // namespace dnsstop::stoppage
