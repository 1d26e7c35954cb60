// Shared by the fuzz targets: the check that turns a broken invariant into a crash
// the fuzzer reports, snapshot bytes held the way a loaded file holds them, one
// small fixed snapshot, and the lookup checks every snapshot target runs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/list_parser.h"
#include "core/name.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_reader.h"
#include "core/wire_name.h"

namespace dnsstop::fuzz {

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
  __builtin_trap();
}

// Not assert(): the fuzz builds are RelWithDebInfo, which defines NDEBUG.
#define DNSSTOP_FUZZ_CHECK(condition) \
  ((condition) ? void(0) : ::dnsstop::fuzz::check_failed(#condition, __FILE__, __LINE__))

// A copy of some bytes, 8-byte aligned as SnapshotView::validate demands, in a heap
// block of exactly their size: ASan then reports a read even one byte past the end,
// which storage rounded up to whole words would hide.
class AlignedCopy {
 public:
  explicit AlignedCopy(std::span<const std::uint8_t> bytes)
      : data_(static_cast<std::uint8_t*>(::operator new(bytes.size(), kAlignment))), size_(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
  std::uint8_t* data() noexcept { return data_.get(); }
  std::span<const std::uint8_t> span() const noexcept { return {data_.get(), size_}; }

 private:
  static constexpr std::align_val_t kAlignment{8};
  struct AlignedDelete {
    void operator()(std::uint8_t* bytes) const noexcept { ::operator delete(bytes, kAlignment); }
  };
  std::unique_ptr<std::uint8_t, AlignedDelete> data_;
  std::size_t size_;
};

// True for a name in the canonical form core/name.h defines.
inline bool is_canonical_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t label_length = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label_length == 0 || label_length > kMaxLabelLength) return false;
      label_length = 0;
    } else if (!is_canonical_label_byte(static_cast<unsigned char>(name[i]))) {
      return false;
    } else {
      ++label_length;
    }
  }
  return true;
}

inline std::size_t label_count(std::string_view canonical_name) {
  return static_cast<std::size_t>(std::count(canonical_name.begin(), canonical_name.end(), '.')) + 1;
}

inline std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// Three lists so that list numbers, allow-before-block and every action are in
// play; "big.test" has more children than a linear group holds, so its group is
// open-addressed and lookups there take the Robin Hood path.
struct FixedList {
  std::string_view name;
  Action action;
  std::string_view text;
};
inline constexpr FixedList kFixedLists[] = {
    {"police", Action::kNxdomain,
     "example.com\n=www.example.net\na.b.c.d.example.org\nxn--bcher-kva.example\n_dmarc.example.com\n"
     "c0.big.test\nc1.big.test\nc2.big.test\nc3.big.test\nc4.big.test\nc5.big.test\nc6.big.test\n"
     "c7.big.test\nc8.big.test\nc9.big.test\nc10.big.test\nc11.big.test\n"
     "lxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxl.test\n"},
    {"exceptions", Action::kAllow, "ok.example.com\n=example.net\n"},
    {"local", Action::kStoppage, "=shop.example.org\nshop-1.example.org\n"},
};

// Listed names, names just beside and below them, and names no walk should accept.
inline constexpr std::string_view kQueryNames[] = {
    "example.com", "WWW.Example.COM.", "_dmarc.example.com", "ok.example.com", "deep.ok.example.com",
    "example.net", "www.example.net", "x.www.example.net", "a.b.c.d.example.org", "b.c.d.example.org",
    "shop.example.org", "x.shop.example.org", "Shop-1.Example.Org", "c7.big.test", "c11.big.test", "c12.big.test",
    "big.test", "xn--bcher-kva.example", "lxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxl.test",
    "unlisted.invalid", "com", "", ".", "..", "example..com", "a b.example.com",
};

inline std::vector<std::uint8_t> build_fixed_snapshot() {
  std::vector<ParsedList> parsed;
  for (const FixedList& list : kFixedLists) parsed.push_back(parse_list(list.text, list.name));
  std::vector<ListInput> inputs;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    inputs.push_back({std::string(kFixedLists[i].name), kFixedLists[i].action, 7, 1600000000, parsed[i].entries});
  }
  return build_snapshot(inputs, 1700000000);
}

inline const SnapshotView& fixed_snapshot() {
  static const AlignedCopy bytes(build_fixed_snapshot());
  static const SnapshotView view = SnapshotView::validate(bytes.span());
  return view;
}

inline bool same_result(const LookupResult& a, const LookupResult& b) {
  return a.listing == b.listing && a.list == b.list && a.matched_labels == b.matched_labels && a.scope == b.scope;
}

// What every listed result must satisfy, whatever the snapshot holds.
inline void check_result(const SnapshotView& view, const LookupResult& result) {
  if (result.listing == Listing::kUnlisted) return;
  DNSSTOP_FUZZ_CHECK(result.list < view.list_count());
  DNSSTOP_FUZZ_CHECK(result.matched_labels >= 1);
  DNSSTOP_FUZZ_CHECK((view.list(result.list).action == Action::kAllow) == (result.listing == Listing::kAllowed));
}

// The labels of a wire name exactly when lookup_wire must take it as well-formed:
// labels of 1 to 63 octets, then the root label ending the bytes, 255 octets at most.
inline std::optional<std::vector<std::string_view>> wire_labels(std::span<const std::uint8_t> wire_name) {
  constexpr std::size_t kMaxWireLength = 255;
  if (wire_name.size() > kMaxWireLength) return std::nullopt;
  std::vector<std::string_view> labels;
  for (std::size_t at = 0; at < wire_name.size(); at += 1 + wire_name[at]) {
    const std::size_t length = wire_name[at];
    if (length == 0) return at + 1 == wire_name.size() ? std::optional(labels) : std::nullopt;
    if (length > kMaxLabelLength || at + 1 + length >= wire_name.size()) return std::nullopt;
    labels.emplace_back(reinterpret_cast<const char*>(wire_name.data() + at + 1), length);
  }
  return std::nullopt;
}

// Labels that name_from_wire leaves unescaped and lookup() takes as they are.
inline bool is_plain_label(std::string_view label) {
  return std::all_of(label.begin(), label.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return is_canonical_label_byte(byte) || (byte >= 'A' && byte <= 'Z');
  });
}

// lookup_wire against the presentation-form lookup and the helpers the module uses
// on a listed name (wire_suffix for the answer's zone, matched_entry_name for logs).
inline void check_wire_lookup(const SnapshotView& view, std::span<const std::uint8_t> wire_name) {
  const LookupResult result = view.lookup_wire(wire_name);
  check_result(view, result);
  const auto labels = wire_labels(wire_name);
  if (!labels || labels->empty()) {
    DNSSTOP_FUZZ_CHECK(result.listing == Listing::kUnlisted);
    return;
  }
  DNSSTOP_FUZZ_CHECK(result.matched_labels <= labels->size());
  const std::string presentation = name_from_wire(wire_name);
  if (std::all_of(labels->begin(), labels->end(), is_plain_label)) {
    DNSSTOP_FUZZ_CHECK(same_result(view.lookup(presentation), result));
  }
  if (result.listing != Listing::kUnlisted) {
    const std::string zone = ascii_lower(name_from_wire(wire_suffix(wire_name, result.matched_labels)));
    const std::string lower_presentation = ascii_lower(presentation);
    DNSSTOP_FUZZ_CHECK(zone == matched_entry_name(lower_presentation, result));
  }
}

// The wire name that starts at `start`: up to and including the first root label
// its length bytes lead to, or the rest of the bytes when they lead to none.
inline std::span<const std::uint8_t> wire_name_at(std::span<const std::uint8_t> bytes, std::size_t start) {
  std::size_t at = start;
  while (at < bytes.size() && bytes[at] != 0) at += 1 + bytes[at];
  return at < bytes.size() ? bytes.subspan(start, at + 1 - start) : bytes.subspan(start);
}

// Lookups a validated snapshot must answer without reading outside its bytes or
// contradicting itself: the fixed query names in both forms, and wire names carved
// from `wire_source` at up to 32 places.
inline void check_lookups(const SnapshotView& view, std::span<const std::uint8_t> wire_source) {
  for (std::size_t i = 0; i < view.list_count(); ++i) {
    const ListInfo info = view.list(i);
    DNSSTOP_FUZZ_CHECK(!info.name.empty() && info.name.size() <= snapshot_format::kMaxListNameLength);
  }
  for (const std::string_view name : kQueryNames) {
    check_result(view, view.lookup(name));
    const NormalizedName canonical = normalize_name(name);
    if (canonical.ok()) check_wire_lookup(view, wire_from_name(canonical.name));
  }
  const std::size_t step = std::max<std::size_t>(1, wire_source.size() / 32);
  for (std::size_t start = 0; start < wire_source.size(); start += step) {
    check_wire_lookup(view, wire_name_at(wire_source, start));
  }
}

}  // namespace dnsstop::fuzz
