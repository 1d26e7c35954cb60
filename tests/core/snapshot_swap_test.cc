// The swap of whole snapshots under load: reader threads look names up in whatever
// snapshot is current while a writer keeps replacing it; every answer is checked
// against the snapshot it came from. Runs under ThreadSanitizer in `make test
// SANITIZE=thread`, which also checks that no snapshot is freed while read.
#include <atomic>
#include <chrono>
#include <thread>

#include "core/rcu_pointer.h"
#include "tests/core/snapshot_test_support.h"

namespace dnsstop {
namespace {

constexpr int kDistinctSnapshots = 8;

// Snapshot `generation` blocks g<generation>.example, and n<i>.example for the
// i whose bit `generation % kDistinctSnapshots` is set; nothing else.
std::string list_text(int generation) {
  std::string text = "g" + std::to_string(generation) + ".example\n";
  for (int i = 0; i < 64; ++i) {
    if ((i >> (generation % kDistinctSnapshots)) & 1) text += "n" + std::to_string(i) + ".example\n";
  }
  return text;
}

struct Generation {
  Generation(int generation, const std::vector<std::uint8_t>& built)
      : number(generation), bytes(built), view(SnapshotView::validate(bytes.span())) {}
  int number;
  testing::AlignedBytes bytes;
  SnapshotView view;
};

TEST(SnapshotSwapTest, ReadersAlwaysSeeOneWholeSnapshotWhileWriterSwaps) {
  const auto make_generation = [](int number) {
    return std::make_unique<Generation>(number,
                                        testing::build_from_texts({{"police", Action::kStoppage, list_text(number)}}));
  };
  RcuPointer<Generation> current;
  current.replace(make_generation(0));

  std::atomic<bool> stop{false};
  std::atomic<long> wrong_answers{0};
  std::atomic<long> lookups{0};
  std::atomic<int> newest_seen{0};
  const auto reader = [&]() {
    long local_lookups = 0;
    while (!stop.load(std::memory_order_relaxed) && local_lookups < 5'000'000) {
      const auto snapshot = current.read();
      const int number = snapshot->number;
      const int pattern = number % kDistinctSnapshots;
      const int i = static_cast<int>(local_lookups % 64);
      const bool n_blocked = snapshot->view.lookup("n" + std::to_string(i) + ".example").listing == Listing::kBlocked;
      const bool own_blocked = snapshot->view.lookup("www.g" + std::to_string(number) + ".example").listing == Listing::kBlocked;
      const bool next_blocked = snapshot->view.lookup("g" + std::to_string(number + 1) + ".example").listing == Listing::kBlocked;
      if (n_blocked != (((i >> pattern) & 1) != 0) || !own_blocked || next_blocked) wrong_answers.fetch_add(1);
      int seen = newest_seen.load(std::memory_order_relaxed);
      while (number > seen && !newest_seen.compare_exchange_weak(seen, number)) {
      }
      ++local_lookups;
    }
    lookups.fetch_add(local_lookups);
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) readers.emplace_back(reader);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int generation = 0;
  while (std::chrono::steady_clock::now() < deadline && generation < 20000) {
    current.replace(make_generation(++generation));
  }
  stop = true;
  for (auto& thread : readers) thread.join();

  EXPECT_EQ(wrong_answers.load(), 0);
  EXPECT_GT(lookups.load(), 1000);
  // The writer really swapped while readers read, and readers followed the swaps
  // (bounds loose enough for a loaded two-core machine).
  EXPECT_GT(generation, 20);
  EXPECT_GE(newest_seen.load(), 10);
}

}  // namespace
}  // namespace dnsstop
