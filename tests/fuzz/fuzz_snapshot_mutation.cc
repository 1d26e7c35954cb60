// Fuzz target for snapshot validation behind the checksum: the input is a list of
// edits to a valid snapshot, after which the checksum is recomputed, so every
// structural check of validate() is what stands between a corrupt or hostile file
// and the lookups. A random file would almost never get that far.
//
// Input: 3-byte records (little-endian u16 offset, u8 value); each sets one byte
// after the checksum field, the offset taken modulo the bytes there.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "core/snapshot_format.h"
#include "core/snapshot_reader.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace layout = dnsstop::snapshot_format;

constexpr std::size_t kEditBytes = 3;

void apply_edits(std::span<const std::uint8_t> edits, std::uint8_t* snapshot, std::size_t size) {
  const std::size_t editable = size - layout::kChecksummedFrom;
  for (std::size_t at = 0; at + kEditBytes <= edits.size(); at += kEditBytes) {
    const std::size_t raw_offset = edits[at] | (std::size_t{edits[at + 1]} << 8);
    snapshot[layout::kChecksummedFrom + raw_offset % editable] = edits[at + 2];
  }
  const std::uint64_t checksum = layout::content_checksum(snapshot, size);
  std::memcpy(snapshot + offsetof(layout::FileHeader, checksum), &checksum, sizeof(checksum));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::uint8_t> original = dnsstop::fuzz::build_fixed_snapshot();
  dnsstop::fuzz::AlignedCopy bytes(original);
  apply_edits({data, size}, bytes.data(), original.size());
  try {
    const dnsstop::SnapshotView view = dnsstop::SnapshotView::validate(bytes.span());
    dnsstop::fuzz::check_lookups(view, bytes.span());
  } catch (const dnsstop::SnapshotError&) {
  }
  return 0;
}
