// Snapshot compilation: sort every entry by its reversed labels, build the trie in
// depth-first order from the sorted keys, lay it out breadth-first with one slot
// group per node, then write the sections and the checksum.
#include "core/snapshot_builder.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "core/list_name.h"
#include "core/name.h"
#include "core/snapshot_format.h"

namespace dnsstop {
namespace {

namespace layout = snapshot_format;

constexpr std::uint32_t kNoNode = 0xFFFFFFFFu;

// An entry's name with its labels in reverse order, separated by '\0' ("com\0example\0www"):
// byte order then sorts every subtree into one contiguous run right after its root.
struct SortKey {
  std::uint64_t offset;  // into the key bytes
  std::uint16_t length;
  std::uint8_t list;
  MatchScope scope;
};

struct Node {
  std::uint64_t label_offset;  // into the key bytes
  std::uint32_t hash;
  std::uint32_t first_child;  // index into the next level's node list
  std::uint32_t child_count;
  std::uint32_t group_first_slot;
  std::uint32_t group_slots;
  std::uint8_t label_length;
  std::uint8_t exact_list;    // list number + 1, 0 for none
  std::uint8_t subtree_list;  // list number + 1, 0 for none
};

void check_lists(std::span<const ListInput> lists) {
  if (lists.size() > layout::kMaxLists) {
    throw std::invalid_argument("a snapshot holds at most 15 lists, not " + std::to_string(lists.size()));
  }
  for (std::size_t i = 0; i < lists.size(); ++i) {
    if (!is_valid_list_name(lists[i].name)) {
      throw std::invalid_argument("list name \"" + lists[i].name + "\" must be " + std::string(kListNameRule));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (lists[j].name == lists[i].name) throw std::invalid_argument("list \"" + lists[i].name + "\" is given twice");
    }
  }
}

void check_canonical(std::string_view name, std::string_view list) {
  bool ok = !name.empty() && name.size() <= kMaxNameLength;
  std::size_t label_length = 0;
  for (std::size_t i = 0; ok && i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      ok = label_length >= 1 && label_length <= kMaxLabelLength;
      label_length = 0;
    } else {
      ok = is_canonical_label_byte(static_cast<unsigned char>(name[i]));
      ++label_length;
    }
  }
  if (!ok) throw std::invalid_argument("list \"" + std::string(list) + "\": entry \"" + std::string(name) + "\" is not canonical");
}

class TrieCompiler {
 public:
  explicit TrieCompiler(std::span<const ListInput> lists) : lists_(lists), rank_(list_ranks(lists)) {}

  std::vector<std::uint8_t> compile(std::uint64_t created_unix) {
    make_sort_keys();
    build_tree();
    lay_out_breadth_first();
    return write_file(created_unix);
  }

 private:
  std::string_view key(const SortKey& sort_key) const {
    return {key_bytes_.data() + sort_key.offset, sort_key.length};
  }
  std::string_view label(const Node& node) const {
    return {key_bytes_.data() + node.label_offset, node.label_length};
  }

  void make_sort_keys() {
    std::size_t entry_total = 0;
    for (const auto& list : lists_) entry_total += list.entries.size();
    sort_keys_.reserve(entry_total);
    for (std::size_t list = 0; list < lists_.size(); ++list) {
      for (const ListEntry& entry : lists_[list].entries) {
        check_canonical(entry.name, lists_[list].name);
        const std::uint64_t offset = key_bytes_.size();
        std::string_view rest = entry.name;
        while (!rest.empty()) {
          const std::size_t dot = rest.rfind('.');
          const std::size_t start = dot == std::string_view::npos ? 0 : dot + 1;
          if (key_bytes_.size() != offset) key_bytes_.push_back('\0');
          key_bytes_.append(rest.substr(start));
          rest = rest.substr(0, dot == std::string_view::npos ? 0 : dot);
        }
        sort_keys_.push_back({offset, static_cast<std::uint16_t>(key_bytes_.size() - offset),
                              static_cast<std::uint8_t>(list), entry.scope});
      }
    }
    std::sort(sort_keys_.begin(), sort_keys_.end(), [&](const SortKey& a, const SortKey& b) {
      const int order = key(a).compare(key(b));
      if (order != 0) return order < 0;
      return rank_[a.list] < rank_[b.list];
    });
  }

  std::uint32_t add_node(std::size_t depth, std::uint32_t parent, std::string_view key_text, std::size_t label_start,
                         std::size_t label_length) {
    if (levels_.size() <= depth) levels_.resize(depth + 1);
    auto& level = levels_[depth];
    Node& parent_node = nodes_[parent];
    if (parent_node.child_count == 0) parent_node.first_child = static_cast<std::uint32_t>(level.size());
    ++parent_node.child_count;
    const std::string_view text = key_text.substr(label_start, label_length);
    Node node{};
    node.label_offset = static_cast<std::uint64_t>(text.data() - key_bytes_.data());
    node.label_length = static_cast<std::uint8_t>(label_length);
    node.hash = layout::label_hash(text);
    const auto index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(node);
    level.push_back(index);
    return index;
  }

  // Depth-first: the children of a node are created one after another, so each
  // node's children form one contiguous run of the next level's list.
  void build_tree() {
    nodes_.reserve(sort_keys_.size() + sort_keys_.size() / 4 + 16);
    nodes_.push_back(Node{});
    levels_.push_back({0});
    std::vector<std::uint32_t> path{0};  // path[depth]: node of the previous key at that depth
    for (const SortKey& sort_key : sort_keys_) {
      const std::string_view text = key(sort_key);
      std::size_t depth = 1;
      std::size_t label_start = 0;
      bool shares_path = true;
      while (label_start <= text.size()) {
        std::size_t label_end = text.find('\0', label_start);
        if (label_end == std::string_view::npos) label_end = text.size();
        const std::size_t label_length = label_end - label_start;
        shares_path = shares_path && depth < path.size() &&
                      label(nodes_[path[depth]]) == text.substr(label_start, label_length);
        if (!shares_path) {
          path.resize(depth);
          path.push_back(add_node(depth, path[depth - 1], text, label_start, label_length));
        }
        ++depth;
        label_start = label_end + 1;
      }
      path.resize(depth);
      Node& node = nodes_[path.back()];
      std::uint8_t& verdict = sort_key.scope == MatchScope::Exact ? node.exact_list : node.subtree_list;
      if (verdict == 0) {  // keys are sorted by rank within a name: the first one wins
        verdict = static_cast<std::uint8_t>(sort_key.list + 1);
        ++entry_count_;
      }
    }
  }

  // Places a sorted group into its slots; returns the slot count and fills positions.
  static std::uint32_t place_group(const std::vector<std::uint32_t>& hashes, std::vector<std::uint32_t>& positions) {
    const auto count = static_cast<std::uint32_t>(hashes.size());
    positions.resize(count);
    if (count <= layout::kLinearGroupMaxSlots) {
      for (std::uint32_t i = 0; i < count; ++i) positions[i] = i;
      return count;
    }
    const std::uint64_t home_slots =
        (std::uint64_t{count} * layout::kLoadDenominator + layout::kLoadNumerator - 1) / layout::kLoadNumerator;
    std::uint64_t slots = std::max<std::uint64_t>(layout::kLinearGroupMaxSlots + 1, home_slots + home_slots / 32 + 1);
    for (;;) {
      if (slots > layout::kEntryOffsetMask) throw std::invalid_argument("a trie node has too many children");
      std::int64_t previous = -1;
      bool fits = true;
      for (std::uint32_t i = 0; i < count && fits; ++i) {
        const std::int64_t home = layout::home_slot(hashes[i], static_cast<std::uint32_t>(slots));
        previous = std::max(home, previous + 1);
        positions[i] = static_cast<std::uint32_t>(previous);
        fits = previous < static_cast<std::int64_t>(slots);
      }
      if (fits) return static_cast<std::uint32_t>(slots);
      slots += slots / 32 + 1;
    }
  }

  void lay_out_breadth_first() {
    slot_nodes_.push_back(0);  // the root
    std::vector<std::uint32_t> level_in_slot_order{0};
    std::vector<std::uint32_t> group, hashes, positions;
    for (std::size_t depth = 0; depth + 1 < levels_.size(); ++depth) {
      std::vector<std::uint32_t> next_level_in_slot_order;
      next_level_in_slot_order.reserve(levels_[depth + 1].size());
      for (std::uint32_t parent_index : level_in_slot_order) {
        Node& parent = nodes_[parent_index];
        if (parent.child_count == 0) continue;
        const auto* first = levels_[depth + 1].data() + parent.first_child;
        group.assign(first, first + parent.child_count);
        std::sort(group.begin(), group.end(), [&](std::uint32_t a, std::uint32_t b) {
          if (nodes_[a].hash != nodes_[b].hash) return nodes_[a].hash < nodes_[b].hash;
          return label(nodes_[a]) < label(nodes_[b]);
        });
        hashes.resize(group.size());
        for (std::size_t i = 0; i < group.size(); ++i) hashes[i] = nodes_[group[i]].hash;
        const std::uint32_t group_slots = place_group(hashes, positions);
        parent.group_first_slot = static_cast<std::uint32_t>(slot_nodes_.size());
        parent.group_slots = group_slots;
        slot_nodes_.resize(slot_nodes_.size() + group_slots, kNoNode);
        for (std::size_t i = 0; i < group.size(); ++i) slot_nodes_[parent.group_first_slot + positions[i]] = group[i];
        next_level_in_slot_order.insert(next_level_in_slot_order.end(), group.begin(), group.end());
      }
      level_in_slot_order = std::move(next_level_in_slot_order);
      if (slot_nodes_.size() > layout::kEntryOffsetMask) throw std::invalid_argument("too many names for one snapshot");
    }
  }

  template <class T>
  static void append(std::vector<std::uint8_t>& out, const T& value) {
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(&value);
    out.insert(out.end(), bytes, bytes + sizeof(T));
  }
  static void pad_to_8(std::vector<std::uint8_t>& out) { out.resize((out.size() + 7) & ~std::size_t{7}, 0); }

  std::vector<std::uint8_t> write_file(std::uint64_t created_unix) {
    std::vector<std::uint8_t> pool;
    std::vector<layout::SlotRecord> slots(slot_nodes_.size());
    pool.reserve(key_bytes_.size() + slot_nodes_.size() * 3);
    for (std::size_t slot = 0; slot < slot_nodes_.size(); ++slot) {
      if (slot_nodes_[slot] == kNoNode) {
        slots[slot] = {layout::kEmptyHash, layout::kEmptyEntryRef};
        continue;
      }
      const Node& node = nodes_[slot_nodes_[slot]];
      if (pool.size() > layout::kEntryOffsetMask) throw std::invalid_argument("the snapshot's entry pool exceeds 2 GiB");
      const bool has_children = node.child_count != 0;
      slots[slot] = {slot == 0 ? 0u : node.hash,
                     static_cast<std::uint32_t>(pool.size()) | (has_children ? layout::kHasChildren : 0u)};
      pool.push_back(static_cast<std::uint8_t>(node.exact_list | (node.subtree_list << 4)));
      pool.push_back(node.label_length);
      const std::string_view text = label(node);
      pool.insert(pool.end(), text.begin(), text.end());
      if (has_children) {
        append(pool, node.group_first_slot);
        append(pool, node.group_slots);
      }
    }

    std::vector<layout::ListRecord> list_records(lists_.size());
    for (std::size_t i = 0; i < lists_.size(); ++i) {
      layout::ListRecord& record = list_records[i];
      record = {};
      record.serial = lists_[i].serial;
      record.published_unix = lists_[i].published_unix;
      record.entry_count = lists_[i].entries.size();
      record.action = static_cast<std::uint8_t>(lists_[i].action);
      record.name_length = static_cast<std::uint8_t>(lists_[i].name.size());
      std::memcpy(record.name, lists_[i].name.data(), lists_[i].name.size());
    }

    layout::FileHeader header{};
    std::memcpy(header.magic, layout::kMagic, sizeof(header.magic));
    header.format_version = layout::kFormatVersion;
    header.header_size = sizeof(layout::FileHeader);
    header.created_unix = created_unix;
    header.entry_count = entry_count_;
    header.list_count = static_cast<std::uint32_t>(lists_.size());
    header.slot_count = static_cast<std::uint32_t>(slots.size());

    std::vector<std::uint8_t> out(sizeof(layout::FileHeader), 0);
    header.lists = {out.size(), list_records.size() * sizeof(layout::ListRecord)};
    for (const auto& record : list_records) append(out, record);
    pad_to_8(out);
    header.slots = {out.size(), slots.size() * sizeof(layout::SlotRecord)};
    out.insert(out.end(), reinterpret_cast<const std::uint8_t*>(slots.data()),
               reinterpret_cast<const std::uint8_t*>(slots.data() + slots.size()));
    pad_to_8(out);
    header.entries = {out.size(), pool.size()};
    out.insert(out.end(), pool.begin(), pool.end());
    pad_to_8(out);
    header.file_size = out.size();
    std::memcpy(out.data(), &header, sizeof(header));
    header.checksum = layout::content_checksum(out.data(), out.size());
    std::memcpy(out.data() + offsetof(layout::FileHeader, checksum), &header.checksum, sizeof(header.checksum));
    return out;
  }

  std::span<const ListInput> lists_;
  std::vector<std::uint8_t> rank_;
  std::string key_bytes_;
  std::vector<SortKey> sort_keys_;
  std::vector<Node> nodes_;
  std::vector<std::vector<std::uint32_t>> levels_;  // levels_[depth]: nodes in creation order
  std::vector<std::uint32_t> slot_nodes_;          // node per slot, kNoNode for empty slots
  std::uint64_t entry_count_ = 0;
};

}  // namespace

std::vector<std::uint8_t> list_ranks(std::span<const ListInput> lists) {
  std::vector<std::uint8_t> order(lists.size());
  for (std::size_t i = 0; i < lists.size(); ++i) order[i] = static_cast<std::uint8_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::uint8_t a, std::uint8_t b) {
    return (lists[a].action == Action::kAllow) > (lists[b].action == Action::kAllow);
  });
  std::vector<std::uint8_t> rank(lists.size());
  for (std::size_t i = 0; i < order.size(); ++i) rank[order[i]] = static_cast<std::uint8_t>(i);
  return rank;
}

void check_list_inputs(std::span<const ListInput> lists) {
  check_lists(lists);
  for (const ListInput& list : lists) {
    for (const ListEntry& entry : list.entries) check_canonical(entry.name, list.name);
  }
}

std::vector<std::uint8_t> build_snapshot(std::span<const ListInput> lists, std::uint64_t created_unix) {
  check_lists(lists);
  return TrieCompiler(lists).compile(created_unix);
}

}  // namespace dnsstop
