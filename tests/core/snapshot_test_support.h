// Shared by the snapshot tests: building snapshots from inline list texts and
// keeping their bytes 8-byte aligned, as a loaded file would be.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/list_parser.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_reader.h"

namespace dnsstop::testing {

struct TestList {
  std::string name;
  Action action;
  std::string text;
};

// Bytes in 8-byte aligned storage (std::vector<uint8_t> only guarantees new's alignment,
// which is enough in practice; this makes the requirement explicit).
class AlignedBytes {
 public:
  explicit AlignedBytes(const std::vector<std::uint8_t>& bytes) : words_((bytes.size() + 7) / 8), size_(bytes.size()) {
    if (!bytes.empty()) std::memcpy(words_.data(), bytes.data(), bytes.size());
  }
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words_.data()); }
  std::span<const std::uint8_t> span() const { return {reinterpret_cast<const std::uint8_t*>(words_.data()), size_}; }

 private:
  std::vector<std::uint64_t> words_;
  std::size_t size_;
};

inline std::vector<std::uint8_t> build_from_texts(const std::vector<TestList>& lists, std::uint64_t created = 1700000000) {
  std::vector<ParsedList> parsed;
  parsed.reserve(lists.size());
  for (const TestList& list : lists) {
    parsed.push_back(parse_list(list.text, list.name));
    EXPECT_EQ(parsed.back().skipped_lines, 0u) << "test list " << list.name << " has bad lines";
  }
  std::vector<ListInput> inputs;
  for (std::size_t i = 0; i < lists.size(); ++i) {
    inputs.push_back({lists[i].name, lists[i].action, 7, 1600000000, parsed[i].entries});
  }
  return build_snapshot(inputs, created);
}

// A built snapshot together with its validated view.
class TestSnapshot {
 public:
  explicit TestSnapshot(const std::vector<TestList>& lists)
      : bytes_(build_from_texts(lists)), view_(SnapshotView::validate(bytes_.span())) {}
  TestSnapshot(const TestSnapshot&) = delete;
  TestSnapshot& operator=(const TestSnapshot&) = delete;
  const SnapshotView& view() const { return view_; }

 private:
  AlignedBytes bytes_;
  SnapshotView view_;
};

}  // namespace dnsstop::testing
