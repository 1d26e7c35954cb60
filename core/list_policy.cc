#include "core/list_policy.h"

namespace dnsstop {

ListPolicies list_policies(const SnapshotView& snapshot, std::span<const ListConfig> configured_lists) {
  ListPolicies policies{};
  for (std::size_t i = 0; i < snapshot.list_count(); ++i) {
    const ListInfo list = snapshot.list(i);
    policies[i] = {list.action, kEdeCensored, "", kUnconfiguredListCounter};
    for (std::size_t configured = 0; configured < configured_lists.size(); ++configured) {
      const ListConfig& list_config = configured_lists[configured];
      if (list_config.name != list.name) continue;
      policies[i] = {list_config.action, list_config.ede_code, list_config.ede_text, configured};
      break;
    }
  }
  return policies;
}

}  // namespace dnsstop
