// The snapshot file's on-disk layout: the structs, constants and the two pure
// functions (label hash, home slot) that the builder and the reader must agree on.
// docs/snapshot-format.md describes the format in prose.
//
// Header-only, no state; any thread. All integers are little-endian; the project
// builds for little-endian hosts only (checked below).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <xxhash.h>

namespace dnsstop::snapshot_format {

static_assert(std::endian::native == std::endian::little,
              "snapshots store little-endian integers and are read in place");

inline constexpr char kMagic[8] = {'D', 'N', 'S', 'S', 'T', 'O', 'P', '\n'};
inline constexpr std::uint32_t kFormatVersion = 1;

// Lists are referenced from trie nodes by a 4-bit number (0 means "none").
inline constexpr std::size_t kMaxLists = 15;
inline constexpr std::size_t kMaxListNameLength = 32;

struct Section {
  std::uint64_t offset;  // from the start of the file, 8-byte aligned
  std::uint64_t size;    // bytes
};
static_assert(sizeof(Section) == 16);

struct FileHeader {
  char magic[8];
  std::uint32_t format_version;
  std::uint32_t header_size;  // sizeof(FileHeader): lets a reader refuse a layout it does not know
  std::uint64_t file_size;
  std::uint64_t checksum;  // XXH3-64 of every byte from kChecksummedFrom to file_size
  // Everything from here on is covered by the checksum.
  std::uint64_t created_unix;  // when the snapshot was compiled, supplied by the caller
  std::uint64_t entry_count;   // distinct (name, scope) entries after merging all lists
  std::uint32_t list_count;
  std::uint32_t slot_count;    // trie node slots, empty ones included; slot 0 is the root
  Section lists;               // list_count ListRecords
  Section slots;               // slot_count SlotRecords
  Section entries;             // the entry pool, see EntryLayout
  std::uint8_t reserved[24];   // zero
};
inline constexpr std::size_t kChecksummedFrom = 32;
static_assert(sizeof(FileHeader) == 128);
static_assert(offsetof(FileHeader, checksum) + sizeof(std::uint64_t) == kChecksummedFrom);
static_assert(offsetof(FileHeader, lists) == 56);
static_assert(offsetof(FileHeader, reserved) == 104);

struct ListRecord {
  std::uint64_t serial;          // the list's serial as published (0 for a local file)
  std::uint64_t published_unix;  // when the list was published (0 when unknown)
  std::uint64_t entry_count;     // entries the list contributed before merging
  std::uint8_t action;           // an Action
  std::uint8_t name_length;
  char name[kMaxListNameLength];  // [A-Za-z0-9._-], not NUL-terminated
  std::uint8_t reserved[14];      // zero
};
static_assert(sizeof(ListRecord) == 72);
static_assert(offsetof(ListRecord, action) == 24);
static_assert(offsetof(ListRecord, name) == 26);

// One slot of the trie. Children of a node occupy a contiguous run of slots (its
// "group"); groups are laid out breadth-first, so slot order is level order.
struct SlotRecord {
  std::uint32_t label_hash;  // label_hash() of the node's label; kEmptyHash for an empty slot
  std::uint32_t entry_ref;   // kHasChildren | offset of the node's entry in the pool
};
static_assert(sizeof(SlotRecord) == 8);
static_assert(offsetof(SlotRecord, entry_ref) == 4);

inline constexpr std::uint32_t kEmptyHash = 0xFFFFFFFFu;
inline constexpr std::uint32_t kEmptyEntryRef = 0xFFFFFFFFu;
inline constexpr std::uint32_t kHasChildren = 0x80000000u;
inline constexpr std::uint32_t kEntryOffsetMask = 0x7FFFFFFFu;

// A node's entry in the pool, at the offset its slot names (no alignment):
//   u8  verdicts     low nibble: list number + 1 of the exact entry for this name,
//                    high nibble: list number + 1 of the subtree entry; 0 = none
//   u8  label_length (0 only for the root)
//   u8  label[label_length]   canonical bytes: a-z 0-9 - _
//   u32 first_child  \  only when the slot has kHasChildren:
//   u32 child_slots  /  the node's group is slots [first_child, first_child + child_slots)
// Entries appear in the pool in slot order, back to back.
struct EntryLayout {
  static constexpr std::size_t kFixedBytes = 2;
  static constexpr std::size_t kChildrenBytes = 8;
};

// Groups of at most this many slots are scanned linearly and hold no empty slot.
// Larger groups are open-addressed: sorted by hash, each node at or after its home
// slot, empty slots only where no run of displaced nodes reaches (Robin Hood order),
// so a search can stop at the first empty slot or the first larger hash.
inline constexpr std::uint32_t kLinearGroupMaxSlots = 8;
// Larger groups hold at most 7 nodes for 8 slots.
inline constexpr std::uint32_t kLoadNumerator = 7;
inline constexpr std::uint32_t kLoadDenominator = 8;

// The header's checksum over a whole file of `size` bytes.
inline std::uint64_t content_checksum(const std::uint8_t* file, std::size_t size) noexcept {
  return XXH3_64bits(file + kChecksummedFrom, size - kChecksummedFrom);
}

// Labels are hashed as whole 8-byte words, zero-padded past their end: the lookup
// folds letter case word by word into such a buffer and hashes it with a few
// multiplications, inline, instead of calling a general-purpose hash per label.
inline constexpr std::size_t kPaddedLabelBytes = 64;  // 63 label bytes rounded up to whole words

// Mixes the label's 8-byte words (`word_at(offset)`, zero past the end) into a
// 32-bit hash: seeded multiply-rotate per word, then MurmurHash3's 64-bit
// finaliser so that every input bit reaches the high bits that home_slot uses.
template <class WordAt>
inline std::uint32_t mix_label_words(std::size_t length, WordAt word_at) noexcept {
  std::uint64_t hash = 0x646e7373746f7031ull ^ (length * 0x9e3779b97f4a7c15ull);  // "dnsstop1"
  for (std::size_t offset = 0; offset < length; offset += 8) {
    hash = (std::rotl(hash, 23) ^ word_at(offset)) * 0x9e3779b97f4a7c15ull;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ull;
  hash ^= hash >> 33;
  const auto folded = static_cast<std::uint32_t>(hash >> 32);
  return folded == kEmptyHash ? kEmptyHash - 1 : folded;
}

// The hash of a lower-case label stored with zeros from `length` to the end of its
// last 8-byte word (the lookup's folded copy): whole-word loads only.
inline std::uint32_t padded_label_hash(const std::uint8_t* padded, std::size_t length) noexcept {
  return mix_label_words(length, [padded](std::size_t offset) {
    std::uint64_t word;
    std::memcpy(&word, padded + offset, sizeof(word));
    return word;
  });
}

// The same hash of a label anywhere in memory (the builder, validation).
inline std::uint32_t label_hash(std::string_view label) noexcept {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(label.data());
  return mix_label_words(label.size(), [bytes, length = label.size()](std::size_t offset) {
    std::uint64_t word = 0;
    if (offset + 8 <= length) {
      std::memcpy(&word, bytes + offset, sizeof(word));
    } else {
      for (std::size_t i = offset; i < length; ++i) word |= std::uint64_t{bytes[i]} << (8 * (i - offset));
    }
    return word;
  });
}

// Homes of a large group spread over all but its last slots: a node whose hash is
// near the top of the range may be displaced past its home, and those last slots
// give it room, so a group rarely needs to grow beyond its planned size.
constexpr std::uint32_t home_range(std::uint32_t group_slots) noexcept { return group_slots - group_slots / 32 - 1; }

// First slot, relative to its group, where a node with this hash may stand.
constexpr std::uint32_t home_slot(std::uint32_t hash, std::uint32_t group_slots) noexcept {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(hash) * home_range(group_slots)) >> 32);
}

}  // namespace dnsstop::snapshot_format
