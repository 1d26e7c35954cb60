// SnapshotView: a validated, read-only view of snapshot bytes, and the lookup that
// every DNS query goes through.
//
// validate(): any thread; O(size) (checksum plus one pass over every slot and
// entry); throws SnapshotError naming the offset and what is wrong, and never reads
// outside the bytes it is given, whatever they hold. A view that validated is
// immutable: lookups from any number of threads at once take no lock, allocate
// nothing and visit at most one slot group per label of the query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/action.h"
#include "core/list_parser.h"
#include "core/snapshot_format.h"

namespace dnsstop {

class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Listing : std::uint8_t { kUnlisted, kBlocked, kAllowed };

struct LookupResult {
  Listing listing = Listing::kUnlisted;
  std::uint8_t list = 0;            // index into lists(), when listed
  std::uint8_t matched_labels = 0;  // the deciding entry is the query's last matched_labels labels
  MatchScope scope = MatchScope::Subtree;
};

// The part of `name` (presentation form, as given to lookup) that names the deciding
// entry: its last result.matched_labels labels, without a trailing dot.
std::string_view matched_entry_name(std::string_view name, const LookupResult& result) noexcept;

struct ListInfo {
  std::string_view name;
  Action action;
  std::uint64_t serial;
  std::uint64_t published_unix;
  std::uint64_t entry_count;
};

class SnapshotView {
 public:
  // Checks everything a lookup relies on: header, checksum, sections, every slot
  // and entry, the shape of the tree. `bytes` must outlive the view and stay unchanged.
  static SnapshotView validate(std::span<const std::uint8_t> bytes);

  // Names in presentation form, any letter case, with or without the trailing dot.
  LookupResult lookup(std::string_view name) const noexcept;
  // Uncompressed wire-format names as they arrive in a query (length-prefixed labels
  // ending with the root label), any letter case. Malformed input is never listed.
  LookupResult lookup_wire(std::span<const std::uint8_t> wire_name) const noexcept;

  std::size_t list_count() const noexcept { return header_->list_count; }
  ListInfo list(std::size_t index) const noexcept;
  std::uint64_t entry_count() const noexcept { return header_->entry_count; }
  std::uint64_t created_unix() const noexcept { return header_->created_unix; }
  std::uint32_t slot_count() const noexcept { return header_->slot_count; }
  std::size_t size_bytes() const noexcept { return bytes_.size(); }

 private:
  struct Label {
    const std::uint8_t* data;
    std::size_t length;
  };
  LookupResult walk(const Label* labels_from_top, std::size_t label_count) const noexcept;
  std::uint32_t find_child(std::uint32_t entry_offset, const std::uint8_t* padded_label,
                           std::size_t length) const noexcept;

  std::span<const std::uint8_t> bytes_;
  const snapshot_format::FileHeader* header_ = nullptr;
  const snapshot_format::ListRecord* lists_ = nullptr;
  const snapshot_format::SlotRecord* slots_ = nullptr;
  const std::uint8_t* entries_ = nullptr;
  std::uint8_t list_is_allow_[snapshot_format::kMaxLists + 1] = {};  // by list number + 1
};

}  // namespace dnsstop
