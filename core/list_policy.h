// What each list of a snapshot does under the configuration: its action, the
// Extended DNS Error it sends, and which per-list counter counts its blocks. A
// configured list (matched by name) takes the configuration's action and EDE, even
// when the snapshot was compiled with another action; a list the configuration does
// not name keeps its compiled action, EDE 16 (Censored) without text, and the
// counter of unconfigured lists.
//
// Pure; any thread. Called by the module when it installs a snapshot (main or
// watcher thread, never per query); O(lists in the snapshot x configured lists).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/action.h"
#include "core/config.h"
#include "core/snapshot_format.h"
#include "core/snapshot_reader.h"

namespace dnsstop {

// The counter of every list the configuration does not name; configured lists
// count in their configuration index, 0 to kMaxLists - 1.
inline constexpr std::size_t kUnconfiguredListCounter = snapshot_format::kMaxLists;

struct ListPolicy {
  Action action = Action::kStoppage;
  std::uint16_t ede_code = kEdeCensored;
  std::string ede_text;
  std::size_t counter = kUnconfiguredListCounter;
  friend bool operator==(const ListPolicy&, const ListPolicy&) = default;
};

using ListPolicies = std::array<ListPolicy, snapshot_format::kMaxLists>;

// One policy per list of `snapshot`, in its list order (index = LookupResult::list);
// entries past snapshot.list_count() keep their defaults.
ListPolicies list_policies(const SnapshotView& snapshot, std::span<const ListConfig> configured_lists);

}  // namespace dnsstop
