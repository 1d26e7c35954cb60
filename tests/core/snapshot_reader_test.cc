// Validation of snapshot bytes: truncated, bit-flipped and hostile files (with a
// checksum recomputed so that only the structural checks stand between the bytes
// and the lookup) are rejected with a clear error, and never crash the reader.
#include <random>

#include "core/snapshot_format.h"
#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

namespace layout = snapshot_format;
using testing::AlignedBytes;
using testing::build_from_texts;

// Large enough to hold open-addressed groups (more than 8 children under "com").
std::vector<std::uint8_t> sample_snapshot() {
  std::string police;
  for (int i = 0; i < 40; ++i) police += "site" + std::to_string(i) + ".com\n";
  police += "=exact.example.org\nwww.sub.example.net\n";
  return build_from_texts({{"police", Action::kStoppage, police},
                           {"exceptions", Action::kAllow, "ok.site1.com\n"}});
}

void recompute_checksum(std::vector<std::uint8_t>& bytes) {
  const std::uint64_t checksum = layout::content_checksum(bytes.data(), bytes.size());
  std::memcpy(bytes.data() + offsetof(layout::FileHeader, checksum), &checksum, sizeof(checksum));
}

std::string validation_error(const std::vector<std::uint8_t>& bytes) {
  AlignedBytes aligned(bytes);
  try {
    SnapshotView::validate(aligned.span());
  } catch (const SnapshotError& error) {
    return error.what();
  }
  return "";
}

// Lookups that touch every part of the sample, run on whatever validated.
void exercise(const SnapshotView& view) {
  for (const char* name : {"site1.com", "a.site39.com", "ok.site1.com", "exact.example.org", "www.sub.example.net",
                           "x.www.sub.example.net", "nothing.se", "com"}) {
    const LookupResult result = view.lookup(name);
    if (result.listing != Listing::kUnlisted) {
      ASSERT_LT(result.list, view.list_count());
    }
  }
}

TEST(SnapshotReaderTest, SampleValidatesAndAnswers) {
  const auto bytes = sample_snapshot();
  AlignedBytes aligned(bytes);
  const SnapshotView view = SnapshotView::validate(aligned.span());
  EXPECT_EQ(view.lookup("a.site39.com").listing, Listing::kBlocked);
  EXPECT_EQ(view.lookup("ok.site1.com").listing, Listing::kAllowed);
  EXPECT_EQ(view.size_bytes(), bytes.size());
}

TEST(SnapshotReaderTest, EveryTruncationIsRejected) {
  const auto bytes = sample_snapshot();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::string error = validation_error({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)});
    ASSERT_FALSE(error.empty()) << "accepted a file truncated to " << size << " bytes";
  }
  EXPECT_NE(validation_error({bytes.begin(), bytes.begin() + 100}).find("shorter than the header"), std::string::npos);
  EXPECT_NE(validation_error({bytes.begin(), bytes.end() - 8}).find("truncated"), std::string::npos);
}

TEST(SnapshotReaderTest, EveryBitFlipIsRejected) {
  const auto bytes = sample_snapshot();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = bytes;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      ASSERT_FALSE(validation_error(flipped).empty()) << "accepted a flip of bit " << bit << " of byte " << i;
    }
  }
}

TEST(SnapshotReaderTest, ErrorsSayWhereAndWhat) {
  auto bytes = sample_snapshot();
  bytes[0] = 'X';
  EXPECT_EQ(validation_error(bytes), "snapshot offset 0: not a dnsstop snapshot (bad magic)");
  bytes = sample_snapshot();
  bytes[200] ^= 1;
  EXPECT_EQ(validation_error(bytes), "snapshot offset 24: checksum mismatch (corrupted file)");
  bytes = sample_snapshot();
  const std::uint32_t future_version = 2;
  std::memcpy(bytes.data() + offsetof(layout::FileHeader, format_version), &future_version, 4);
  EXPECT_NE(validation_error(bytes).find("format version 2 is not supported"), std::string::npos);
}

TEST(SnapshotReaderTest, UnalignedBytesAreRejected) {
  const auto bytes = sample_snapshot();
  std::vector<std::uint64_t> storage(bytes.size() / 8 + 2);
  auto* unaligned = reinterpret_cast<std::uint8_t*>(storage.data()) + 1;
  std::memcpy(unaligned, bytes.data(), bytes.size());
  EXPECT_THROW(SnapshotView::validate({unaligned, bytes.size()}), SnapshotError);
}

// Structural checks, with a valid checksum: each of these would mislead a lookup.
TEST(SnapshotReaderTest, HostileStructureIsRejectedDespiteValidChecksum) {
  const auto original = sample_snapshot();
  layout::FileHeader header;
  std::memcpy(&header, original.data(), sizeof(header));
  const auto slot_at = [&](std::uint32_t slot) { return header.slots.offset + std::uint64_t{slot} * 8; };
  struct Mutation {
    const char* expected_error;
    std::function<void(std::vector<std::uint8_t>&)> apply;
  };
  const std::vector<Mutation> mutations = {
      {"more than 15 lists", [&](auto& b) { b[offsetof(layout::FileHeader, list_count)] = 16; }},
      {"unknown list action", [&](auto& b) { b[header.lists.offset + offsetof(layout::ListRecord, action)] = 9; }},
      {"bad character in list name", [&](auto& b) { b[header.lists.offset + offsetof(layout::ListRecord, name)] = '/'; }},
      {"label hash does not match", [&](auto& b) { b[slot_at(1)] ^= 1; }},
      {"entry out of order", [&](auto& b) { b[slot_at(1) + 4] ^= 1; }},
      {"the root cannot be listed", [&](auto& b) { b[header.entries.offset] = 0x01; }},
      {"bad byte in label", [&](auto& b) {
         // The first TLD's label starts right after the root entry (2 bytes + 8 for its group).
         b[header.entries.offset + 10 + 2] = 'A';
       }},
      {"entry count does not match", [&](auto& b) { b[offsetof(layout::FileHeader, entry_count)] ^= 1; }},
      {"slot section does not match", [&](auto& b) { b[offsetof(layout::FileHeader, slot_count)] ^= 1; }},
      {"child group out of place", [&](auto& b) {
         b[header.entries.offset + 2] ^= 1;  // the root's first_child
       }},
  };
  for (const Mutation& mutation : mutations) {
    auto bytes = original;
    mutation.apply(bytes);
    recompute_checksum(bytes);
    const std::string error = validation_error(bytes);
    EXPECT_NE(error.find(mutation.expected_error), std::string::npos)
        << "expected \"" << mutation.expected_error << "\", got \"" << error << "\"";
  }
}

// Random damage with a recomputed checksum: whatever validates must answer lookups
// without reading out of bounds (ASan runs this test too).
TEST(SnapshotReaderTest, RandomDamageWithValidChecksumNeverCrashes) {
  const auto original = sample_snapshot();
  std::mt19937_64 random(8914);
  std::size_t rejected = 0;
  constexpr int kRounds = 20000;
  for (int round = 0; round < kRounds; ++round) {
    auto bytes = original;
    const int changes = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < changes; ++i) {
      const std::size_t at = layout::kChecksummedFrom + random() % (bytes.size() - layout::kChecksummedFrom);
      bytes[at] = static_cast<std::uint8_t>(random());
    }
    recompute_checksum(bytes);
    AlignedBytes aligned(bytes);
    try {
      exercise(SnapshotView::validate(aligned.span()));
    } catch (const SnapshotError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, kRounds * 9 / 10);
}

}  // namespace
}  // namespace dnsstop
