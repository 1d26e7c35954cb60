// Compiles parsed lists into the bytes of one snapshot file (format in
// snapshot_format.h and docs/snapshot-format.md).
//
// Pure: takes lists in memory, returns bytes; any thread. Costs O(E log E) for E
// entries and about 60 bytes of working memory per entry besides the result.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/action.h"
#include "core/list_parser.h"

namespace dnsstop {

struct ListInput {
  std::string name;  // 1 to 32 of [A-Za-z0-9._-]
  Action action = Action::kStoppage;
  std::uint64_t serial = 0;
  std::uint64_t published_unix = 0;
  std::span<const ListEntry> entries;  // canonical names, as parse_list returns them
};

// Throws std::invalid_argument, as build_snapshot does, for lists it would refuse.
// For other writers of the same lists (core/rpz_zone.h). O(E) for E entries.
void check_list_inputs(std::span<const ListInput> lists);

// The order in which lists decide a name several of them give in the same scope:
// allowlists first, then configuration order. rank[list]: 0 decides first.
std::vector<std::uint8_t> list_ranks(std::span<const ListInput> lists);

// Which list decides when several name the same entry: allowlists before
// blocklists (an exception written for exactly that name is meant to win), then the
// earlier list in `lists`. Deeper entries always beat shallower ones (see the reader).
//
// Throws std::invalid_argument when there are more than 15 lists, a list name is
// invalid or repeated, or an entry is not canonical.
std::vector<std::uint8_t> build_snapshot(std::span<const ListInput> lists, std::uint64_t created_unix);

}  // namespace dnsstop
