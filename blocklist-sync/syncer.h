// One resolver's view of its lists: what is accepted, and the steps that fetch,
// verify and accept a newer version (the acceptance rules of
// docs/list-distribution.md), then compile everything into the snapshot the module
// watches.
//
// Used from dnsstop-sync's one sync thread. A list update costs its download plus
// O(n log n) for n list lines; publishing compiles every list (about a second per
// million entries).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "blocklist-sync/fetcher.h"
#include "blocklist-sync/rejection.h"
#include "blocklist-sync/state_store.h"
#include "core/config.h"
#include "core/list_parser.h"
#include "core/manifest.h"
#include "core/minisign.h"

namespace dnsstop::sync {

struct ListStatus {
  std::uint64_t serial = 0;           // accepted serial; 0 for a local file or nothing yet
  std::uint64_t published_unix = 0;   // the accepted manifest's creation time
  std::uint64_t expires_unix = 0;
  std::uint64_t last_success_unix = 0;  // last round that ended with the list current
  std::size_t entries = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(Reason::kCount)> failures{};
  std::uint64_t requests = 0;  // HTTP requests made for this list
  bool held = false;           // a version is accepted (or the local file was read)
};

class Syncer {
 public:
  // Loads the accepted lists from the state directory; a damaged state is logged and
  // treated as none (the next round fetches the full list). They are parsed only when
  // a snapshot is compiled, so a restart that finds nothing new costs no parsing.
  explicit Syncer(const Config& config);

  // One attempt to bring list `index` up to date. Returns false after a rejection,
  // which is logged and counted; the list held before stays in force.
  bool sync_list(std::size_t index, std::uint64_t now);

  // Compiles every list into the snapshot when one changed since the last time or
  // the snapshot file is missing. Refuses (false, logged) while a fetched list has no
  // accepted version at all: publishing it empty would unblock its names.
  bool publish_if_changed(std::uint64_t now);

  std::string metrics_text(std::uint64_t now) const;

 private:
  struct Held {
    std::optional<AcceptedList> accepted;  // fetched lists
    std::string local_text;                // local file lists
    std::vector<ListEntry> entries;
    bool parsed = false;  // entries are parsed only when a snapshot is compiled
  };

  void sync_remote(std::size_t index, std::uint64_t now);
  void sync_local(std::size_t index);
  std::optional<std::string> try_delta(std::size_t index, const Manifest& manifest, Fetcher& fetcher);
  std::string fetch_full(std::size_t index, const Manifest& manifest, Fetcher& fetcher);
  std::vector<ListEntry> parse_checked(std::size_t index, const std::string& text);

  const Config& config_;
  StateStore store_;
  std::vector<Held> held_;
  std::vector<ListStatus> statuses_;
  std::vector<std::unique_ptr<Fetcher>> fetchers_;
  std::vector<std::vector<minisign::PublicKey>> keys_;
  void compare_with_published_snapshot();

  bool changed_ = false;  // the held lists differ from the published snapshot's
  // Entries per list in the snapshot found at start (none: unknown), so that reading
  // unchanged local files after a restart does not recompile.
  std::vector<std::optional<std::uint64_t>> published_entries_;
};

}  // namespace dnsstop::sync
