// Snapshot validation (every byte a lookup may touch is checked once, up front) and
// the lookup walk itself.
#include "core/snapshot_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "core/list_name.h"
#include "core/name.h"

namespace dnsstop {
namespace {

namespace layout = snapshot_format;

constexpr std::uint32_t kNotFound = 0xFFFFFFFFu;

// Validation checks every label byte of the file: a table beats four comparisons.
constexpr auto kCanonicalByte = [] {
  std::array<bool, 256> table{};
  for (unsigned c = 0; c < table.size(); ++c) table[c] = is_canonical_label_byte(static_cast<unsigned char>(c));
  return table;
}();

[[noreturn]] void fail(std::uint64_t offset, const std::string& what) {
  throw SnapshotError("snapshot offset " + std::to_string(offset) + ": " + what);
}

std::uint32_t read_u32(const std::uint8_t* at) noexcept {
  std::uint32_t value;
  std::memcpy(&value, at, sizeof(value));
  return value;
}

std::uint64_t align8(std::uint64_t value) { return (value + 7) & ~std::uint64_t{7}; }

bool all_zero(const std::uint8_t* bytes, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

// Sections must follow each other in this order, each 8-byte aligned, with nothing
// else in the file: there is exactly one valid layout for given contents.
void check_layout(const layout::FileHeader& header, std::uint64_t file_size) {
  const layout::Section expected_lists{sizeof(layout::FileHeader), std::uint64_t{header.list_count} * sizeof(layout::ListRecord)};
  if (header.lists.offset != expected_lists.offset || header.lists.size != expected_lists.size) {
    fail(offsetof(layout::FileHeader, lists), "list section does not match the list count");
  }
  const std::uint64_t slots_offset = align8(header.lists.offset + header.lists.size);
  if (header.slots.offset != slots_offset || header.slots.size != std::uint64_t{header.slot_count} * sizeof(layout::SlotRecord)) {
    fail(offsetof(layout::FileHeader, slots), "slot section does not match the slot count");
  }
  const std::uint64_t entries_offset = align8(header.slots.offset + header.slots.size);
  if (header.entries.offset != entries_offset || header.entries.size > file_size ||
      align8(entries_offset + header.entries.size) != file_size) {
    fail(offsetof(layout::FileHeader, entries), "entry section does not end the file");
  }
  if (header.entries.size > layout::kEntryOffsetMask) fail(offsetof(layout::FileHeader, entries), "entry section too large");
}

// The padding that aligns the file's end must be zero, like every other unused byte.
void check_end_padding(std::span<const std::uint8_t> bytes, const layout::FileHeader& header) {
  const std::uint64_t pool_end = header.entries.offset + header.entries.size;
  if (!all_zero(bytes.data() + pool_end, bytes.size() - pool_end)) fail(pool_end, "padding after the pool is not zero");
}

void check_list(const layout::ListRecord& record, std::uint64_t offset) {
  if (!is_valid_action(record.action)) fail(offset + offsetof(layout::ListRecord, action), "unknown list action");
  if (record.name_length == 0 || record.name_length > layout::kMaxListNameLength) {
    fail(offset + offsetof(layout::ListRecord, name_length), "bad list name length");
  }
  for (std::size_t i = 0; i < record.name_length; ++i) {
    if (!is_list_name_character(record.name[i])) fail(offset + offsetof(layout::ListRecord, name) + i, "bad character in list name");
  }
  if (!all_zero(record.reserved, sizeof(record.reserved))) fail(offset, "reserved list bytes are not zero");
}

// The ordering every lookup relies on inside one group (see snapshot_format.h).
// Hashes are checked against labels when each slot is visited.
void check_group(const layout::SlotRecord* slots, std::uint32_t first, std::uint32_t count, std::uint64_t section_offset) {
  const auto offset_of = [&](std::uint32_t position) {
    return section_offset + std::uint64_t{first + position} * sizeof(layout::SlotRecord);
  };
  std::uint32_t previous_hash = 0;
  std::int64_t last_empty = -1;
  bool any_node = false;
  for (std::uint32_t position = 0; position < count; ++position) {
    const layout::SlotRecord& slot = slots[first + position];
    if (slot.label_hash == layout::kEmptyHash) {
      if (count <= layout::kLinearGroupMaxSlots) fail(offset_of(position), "empty slot in a linear group");
      last_empty = position;
      continue;
    }
    if (slot.label_hash < previous_hash) fail(offset_of(position), "slot group not sorted by hash");
    if (count > layout::kLinearGroupMaxSlots) {
      const std::int64_t home = layout::home_slot(slot.label_hash, count);
      if (home > position || home <= last_empty) fail(offset_of(position), "slot unreachable from its home slot");
    }
    previous_hash = slot.label_hash;
    any_node = true;
  }
  if (!any_node) fail(offset_of(0), "slot group without any node");
}

}  // namespace

SnapshotView SnapshotView::validate(std::span<const std::uint8_t> bytes) {
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % 8 != 0) fail(0, "snapshot bytes are not 8-byte aligned in memory");
  if (bytes.size() < sizeof(layout::FileHeader)) fail(0, "file is shorter than the header (truncated?)");
  SnapshotView view;
  view.bytes_ = bytes;
  view.header_ = reinterpret_cast<const layout::FileHeader*>(bytes.data());
  const layout::FileHeader& header = *view.header_;
  if (std::memcmp(header.magic, layout::kMagic, sizeof(header.magic)) != 0) fail(0, "not a dnsstop snapshot (bad magic)");
  if (header.format_version != layout::kFormatVersion) {
    fail(offsetof(layout::FileHeader, format_version),
         "format version " + std::to_string(header.format_version) + " is not supported (this build reads " +
             std::to_string(layout::kFormatVersion) + ")");
  }
  if (header.header_size != sizeof(layout::FileHeader)) fail(offsetof(layout::FileHeader, header_size), "bad header size");
  if (header.file_size != bytes.size()) {
    fail(offsetof(layout::FileHeader, file_size), "header says " + std::to_string(header.file_size) + " bytes, file has " +
                                                   std::to_string(bytes.size()) + " (truncated or extended)");
  }
  const std::uint64_t checksum = layout::content_checksum(bytes.data(), bytes.size());
  if (checksum != header.checksum) fail(offsetof(layout::FileHeader, checksum), "checksum mismatch (corrupted file)");
  if (!all_zero(header.reserved, sizeof(header.reserved))) fail(offsetof(layout::FileHeader, reserved), "reserved bytes are not zero");
  if (header.list_count > layout::kMaxLists) fail(offsetof(layout::FileHeader, list_count), "more than 15 lists");
  if (header.slot_count == 0) fail(offsetof(layout::FileHeader, slot_count), "no root slot");
  check_layout(header, bytes.size());
  check_end_padding(bytes, header);

  view.lists_ = reinterpret_cast<const layout::ListRecord*>(bytes.data() + header.lists.offset);
  for (std::uint32_t i = 0; i < header.list_count; ++i) {
    check_list(view.lists_[i], header.lists.offset + std::uint64_t{i} * sizeof(layout::ListRecord));
    view.list_is_allow_[i + 1] = view.lists_[i].action == static_cast<std::uint8_t>(Action::kAllow);
  }
  view.slots_ = reinterpret_cast<const layout::SlotRecord*>(bytes.data() + header.slots.offset);
  view.entries_ = bytes.data() + header.entries.offset;

  // One pass in slot order. Groups are laid out breadth-first, so every slot after
  // the root must already belong to the group of an earlier node when it is reached;
  // that makes the tree acyclic and every slot reachable exactly once.
  const std::uint64_t pool_size = header.entries.size;
  const auto slot_offset = [&](std::uint32_t slot) {
    return header.slots.offset + std::uint64_t{slot} * sizeof(layout::SlotRecord);
  };
  std::vector<std::uint8_t> name_length(header.slot_count, 0);  // presentation length, parent's until visited
  std::uint64_t next_group_start = 1;
  std::uint64_t expected_entry = 0;
  std::uint64_t entries_seen = 0;
  for (std::uint32_t slot = 0; slot < header.slot_count; ++slot) {
    const layout::SlotRecord& record = view.slots_[slot];
    if (slot != 0 && slot >= next_group_start) fail(slot_offset(slot), "slot belongs to no group");
    if (record.label_hash == layout::kEmptyHash) {
      if (record.entry_ref != layout::kEmptyEntryRef || slot == 0) fail(slot_offset(slot), "malformed empty slot");
      continue;
    }
    const std::uint64_t entry_offset = record.entry_ref & layout::kEntryOffsetMask;
    const std::uint64_t at = header.entries.offset + entry_offset;
    if (entry_offset != expected_entry) fail(slot_offset(slot), "entry out of order");
    if (entry_offset + layout::EntryLayout::kFixedBytes > pool_size) fail(at, "entry past the end of the pool");
    const std::uint8_t* entry = view.entries_ + entry_offset;
    const unsigned exact = entry[0] & 0x0Fu;
    const unsigned subtree = entry[0] >> 4;
    if (exact > header.list_count || subtree > header.list_count) fail(at, "entry names a list that does not exist");
    entries_seen += (exact != 0) + (subtree != 0);
    const std::uint8_t label_length = entry[1];
    const bool has_children = (record.entry_ref & layout::kHasChildren) != 0;
    const std::uint64_t entry_size =
        layout::EntryLayout::kFixedBytes + label_length + (has_children ? layout::EntryLayout::kChildrenBytes : 0);
    if (entry_offset + entry_size > pool_size) fail(at, "entry past the end of the pool");
    const std::string_view label(reinterpret_cast<const char*>(entry + 2), label_length);
    if (slot == 0) {
      if (label_length != 0 || entry[0] != 0 || record.label_hash != 0) fail(at, "the root cannot be listed");
    } else {
      if (label_length == 0 || label_length > kMaxLabelLength) fail(at + 1, "bad label length");
      for (std::size_t i = 0; i < label.size(); ++i) {
        if (!kCanonicalByte[static_cast<unsigned char>(label[i])]) fail(at + 2 + i, "bad byte in label");
      }
      if (record.label_hash != layout::label_hash(label)) fail(slot_offset(slot), "label hash does not match its label");
      const unsigned length = name_length[slot] + (name_length[slot] != 0) + label_length;
      if (length > kMaxNameLength) fail(at, "name longer than 253 octets");
      name_length[slot] = static_cast<std::uint8_t>(length);
      if (!has_children && entry[0] == 0) fail(at, "node with neither entry nor children");
    }
    if (has_children) {
      const std::uint32_t first = read_u32(entry + 2 + label_length);
      const std::uint32_t count = read_u32(entry + 6 + label_length);
      if (first != next_group_start || count == 0 || std::uint64_t{first} + count > header.slot_count) {
        fail(at + 2 + label_length, "child group out of place");
      }
      check_group(view.slots_, first, count, header.slots.offset);
      for (std::uint32_t child = first; child < first + count; ++child) name_length[child] = name_length[slot];
      next_group_start += count;
    }
    expected_entry = entry_offset + entry_size;
  }
  if (next_group_start != header.slot_count) fail(slot_offset(0), "slot groups do not cover all slots");
  if (expected_entry != pool_size) fail(header.entries.offset + expected_entry, "unused bytes at the end of the pool");
  if (entries_seen != header.entry_count) fail(offsetof(layout::FileHeader, entry_count), "entry count does not match the trie");
  return view;
}

std::string_view matched_entry_name(std::string_view name, const LookupResult& result) noexcept {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::size_t start = name.size() + 1;  // where the label after the current one starts
  for (std::size_t i = 0; i < result.matched_labels && start > 0; ++i) {
    const std::size_t dot = start >= 2 ? name.rfind('.', start - 2) : std::string_view::npos;
    start = dot == std::string_view::npos ? 0 : dot + 1;
  }
  return name.substr(start);
}

ListInfo SnapshotView::list(std::size_t index) const noexcept {
  const layout::ListRecord& record = lists_[index];
  return {std::string_view(record.name, record.name_length), static_cast<Action>(record.action), record.serial,
          record.published_unix, record.entry_count};
}

namespace {

// Copies a label into zero-padded storage with ASCII upper case folded to lower
// case, eight bytes at a time (a byte gets 0x20 added exactly when it is 'A'..'Z').
void fold_label(const std::uint8_t* label, std::size_t length, std::uint8_t* padded) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  std::memcpy(padded, label, length);
  std::memset(padded + length, 0, ((length + 7) & ~std::size_t{7}) - length);
  for (std::size_t offset = 0; offset < length; offset += 8) {
    std::uint64_t word;
    std::memcpy(&word, padded + offset, sizeof(word));
    const std::uint64_t low7 = word & ~kHighBits;
    const std::uint64_t at_least_a = low7 + (0x80 - 'A') * kOnes;
    const std::uint64_t above_z = low7 + (0x7F - 'Z') * kOnes;
    const std::uint64_t upper = at_least_a & ~above_z & ~word & kHighBits;
    word |= upper >> 2;
    std::memcpy(padded + offset, &word, sizeof(word));
  }
}

}  // namespace

std::uint32_t SnapshotView::find_child(std::uint32_t entry_offset, const std::uint8_t* padded_label,
                                       std::size_t length) const noexcept {
  const std::uint8_t* parent = entries_ + entry_offset;
  const std::uint8_t* children = parent + layout::EntryLayout::kFixedBytes + parent[1];
  const std::uint32_t first = read_u32(children);
  const std::uint32_t count = read_u32(children + 4);
  const std::uint32_t hash = layout::padded_label_hash(padded_label, length);
  const auto matches = [&](const layout::SlotRecord& slot) {
    const std::uint8_t* entry = entries_ + (slot.entry_ref & layout::kEntryOffsetMask);
    return entry[1] == length && std::memcmp(entry + 2, padded_label, length) == 0;
  };
  const layout::SlotRecord* group = slots_ + first;
  if (count <= layout::kLinearGroupMaxSlots) {
    for (std::uint32_t i = 0; i < count; ++i) {
      if (group[i].label_hash == hash && matches(group[i])) return first + i;
    }
    return kNotFound;
  }
  // Sorted by hash; empty slots hold the largest hash, so one comparison ends the search.
  for (std::uint32_t i = layout::home_slot(hash, count); i < count && group[i].label_hash <= hash; ++i) {
    if (group[i].label_hash == hash && matches(group[i])) return first + i;
  }
  return kNotFound;
}

LookupResult SnapshotView::walk(const Label* labels_from_top, std::size_t label_count) const noexcept {
  LookupResult result;
  std::uint32_t entry_ref = slots_[0].entry_ref;
  alignas(8) std::uint8_t folded[layout::kPaddedLabelBytes];
  for (std::size_t depth = 1; depth <= label_count && (entry_ref & layout::kHasChildren); ++depth) {
    const Label& label = labels_from_top[depth - 1];
    fold_label(label.data, label.length, folded);
    const std::uint32_t slot = find_child(entry_ref & layout::kEntryOffsetMask, folded, label.length);
    if (slot == kNotFound) break;
    entry_ref = slots_[slot].entry_ref;
    const std::uint8_t verdicts = entries_[entry_ref & layout::kEntryOffsetMask];
    const auto decide = [&](unsigned list_number, MatchScope scope) {
      return LookupResult{list_is_allow_[list_number] ? Listing::kAllowed : Listing::kBlocked,
                          static_cast<std::uint8_t>(list_number - 1), static_cast<std::uint8_t>(depth), scope};
    };
    if (depth == label_count && (verdicts & 0x0Fu) != 0) return decide(verdicts & 0x0Fu, MatchScope::Exact);
    if ((verdicts >> 4) != 0) result = decide(verdicts >> 4, MatchScope::Subtree);
  }
  return result;
}

LookupResult SnapshotView::lookup(std::string_view name) const noexcept {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameLength) return {};
  // One pass from the right: labels come out top-level domain first.
  Label labels[kMaxLabels];
  std::size_t label_count = 0;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(name.data());
  std::size_t end = name.size();
  for (std::size_t i = name.size(); i-- > 0;) {
    if (bytes[i] != '.') continue;
    if (end - i - 1 == 0 || end - i - 1 > kMaxLabelLength || label_count == kMaxLabels) return {};
    labels[label_count++] = {bytes + i + 1, end - i - 1};
    end = i;
  }
  if (end == 0 || end > kMaxLabelLength || label_count == kMaxLabels) return {};
  labels[label_count++] = {bytes, end};
  return walk(labels, label_count);
}

LookupResult SnapshotView::lookup_wire(std::span<const std::uint8_t> wire_name) const noexcept {
  constexpr std::size_t kMaxWireLength = 255;
  Label labels[kMaxLabels];
  std::size_t label_count = 0;
  std::size_t position = 0;
  for (;;) {
    if (position >= wire_name.size() || position >= kMaxWireLength) return {};
    const std::uint8_t length = wire_name[position];
    if (length == 0) break;
    if (length > kMaxLabelLength || label_count == kMaxLabels || position + 1 + length >= wire_name.size()) return {};
    labels[label_count++] = {wire_name.data() + position + 1, length};
    position += 1 + length;
  }
  if (position + 1 != wire_name.size() || label_count == 0) return {};
  std::reverse(labels, labels + label_count);
  return walk(labels, label_count);
}

}  // namespace dnsstop
