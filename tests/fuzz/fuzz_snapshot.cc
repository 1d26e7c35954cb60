// Fuzz target for snapshot files as they come from disk: validate() must refuse
// anything it cannot vouch for with SnapshotError and nothing else, and a snapshot
// it accepts must answer lookups without reading outside its bytes. Few inputs get
// past the checksum; fuzz_snapshot_mutation covers what lies behind it.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/snapshot_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const dnsstop::fuzz::AlignedCopy bytes(input);
  try {
    const dnsstop::SnapshotView view = dnsstop::SnapshotView::validate(bytes.span());
    dnsstop::fuzz::check_lookups(view, input);
  } catch (const dnsstop::SnapshotError&) {
  }
  return 0;
}
