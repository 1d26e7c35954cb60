// Fuzz target for parse_list: the counters agree with each other, every entry is
// canonical, and whatever the parser accepts compiles into a snapshot that
// validates and lists each entry, so a hostile list cannot break the compiler.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/list_parser.h"
#include "core/name.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_reader.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using dnsstop::fuzz::AlignedCopy;

void check_counters(const dnsstop::ParsedList& list) {
  DNSSTOP_FUZZ_CHECK(list.skipped_lines <= list.content_lines);
  DNSSTOP_FUZZ_CHECK(list.url_path_lines <= list.skipped_lines);
  DNSSTOP_FUZZ_CHECK(list.entries.size() + list.skipped_lines == list.content_lines);
  DNSSTOP_FUZZ_CHECK(list.problems.size() <= dnsstop::kMaxReportedProblems);
  DNSSTOP_FUZZ_CHECK(list.problems.size() == std::min(list.skipped_lines, dnsstop::kMaxReportedProblems));
}

// Build errors are bugs here (the builder's input is exactly what parse_list
// returned), so they are left to escape and crash the run.
void check_compiles(const dnsstop::ParsedList& list) {
  const dnsstop::ListInput input{"fuzz", dnsstop::Action::kNxdomain, 0, 0, list.entries};
  const AlignedCopy bytes(dnsstop::build_snapshot({&input, 1}, 0));
  const dnsstop::SnapshotView view = dnsstop::SnapshotView::validate(bytes.span());
  std::set<std::pair<std::string_view, dnsstop::MatchScope>> distinct;
  for (const dnsstop::ListEntry& entry : list.entries) {
    distinct.emplace(entry.name, entry.scope);
    const dnsstop::LookupResult result = view.lookup(entry.name);
    DNSSTOP_FUZZ_CHECK(result.listing == dnsstop::Listing::kBlocked && result.list == 0);
    DNSSTOP_FUZZ_CHECK(result.matched_labels == dnsstop::fuzz::label_count(entry.name));
    // A subtree entry's own name may also be an exact entry, which then decides.
    if (entry.scope == dnsstop::MatchScope::Exact) DNSSTOP_FUZZ_CHECK(result.scope == dnsstop::MatchScope::Exact);
  }
  DNSSTOP_FUZZ_CHECK(view.entry_count() == distinct.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const dnsstop::ParsedList list =
      dnsstop::parse_list(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.list");
  check_counters(list);
  for (const dnsstop::ListEntry& entry : list.entries) {
    DNSSTOP_FUZZ_CHECK(dnsstop::fuzz::is_canonical_name(entry.name));
    const dnsstop::NormalizedName again = dnsstop::normalize_name(entry.name);
    DNSSTOP_FUZZ_CHECK(again.ok() && again.name == entry.name);
  }
  check_compiles(list);
  return 0;
}
