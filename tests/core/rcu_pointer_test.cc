// Tests for RcuPointer and the EpochDomain beneath it: a value outlives every Reader
// of it, sections nest, each value is destroyed exactly once, swaps under constant
// reading never expose a destroyed value, and reader threads that come and go do not
// use up the domain's slots.
#include "core/rcu_pointer.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/epoch.h"

namespace dnsstop {
namespace {

using namespace std::chrono_literals;

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

struct Tracked {
  Tracked(int initial_value, std::atomic<int>& destruction_count)
      : value(initial_value), destructions(&destruction_count) {}
  ~Tracked() { destructions->fetch_add(1); }
  int value;
  std::atomic<int>* destructions;
};

std::unique_ptr<const Tracked> make_tracked(int value, std::atomic<int>& destructions) {
  return std::make_unique<const Tracked>(value, destructions);
}

// Runs pointer.replace(next) on its own thread; destroying it joins that thread.
class BackgroundReplace {
 public:
  BackgroundReplace(RcuPointer<Tracked>& pointer, std::unique_ptr<const Tracked> next)
      : thread_([this, &pointer, next = std::move(next)]() mutable {
          pointer.replace(std::move(next));
          returned_ = true;
        }) {}
  bool returned() const { return returned_.load(); }

 private:
  std::atomic<bool> returned_{false};
  std::jthread thread_;
};

// Fresh reads showing `new_value` prove the writer has published it, so the writer
// is now inside synchronize(); 50 ms later it must still be there.
::testing::AssertionResult published_and_still_waiting(const RcuPointer<Tracked>& pointer,
                                                       const BackgroundReplace& writer,
                                                       int new_value) {
  if (!eventually([&] { return pointer.read()->value == new_value; })) {
    return ::testing::AssertionFailure() << "the writer never published " << new_value;
  }
  std::this_thread::sleep_for(50ms);
  if (writer.returned()) {
    return ::testing::AssertionFailure() << "replace() returned while the old value was still read";
  }
  return ::testing::AssertionSuccess();
}

TEST(RcuPointerTest, ReadOnAnEmptyPointerGivesNull) {
  RcuPointer<int> pointer;
  const auto reader = pointer.read();
  EXPECT_FALSE(reader);
  EXPECT_EQ(reader.get(), nullptr);
}

TEST(RcuPointerTest, ReplaceAndResetDestroyEachValueExactlyOnce) {
  std::atomic<int> first_destroyed{0};
  std::atomic<int> second_destroyed{0};
  {
    RcuPointer<Tracked> pointer;
    pointer.replace(make_tracked(1, first_destroyed));
    EXPECT_EQ(pointer.read()->value, 1);

    pointer.replace(make_tracked(2, second_destroyed));
    EXPECT_EQ(first_destroyed, 1);
    EXPECT_EQ(second_destroyed, 0);
    EXPECT_EQ(pointer.read()->value, 2);

    pointer.reset();
    EXPECT_EQ(second_destroyed, 1);
    EXPECT_FALSE(pointer.read());

    pointer.reset();
    pointer.replace(make_tracked(3, first_destroyed));
  }
  EXPECT_EQ(first_destroyed, 2) << "the pointer's destructor must destroy its last value";
  EXPECT_EQ(second_destroyed, 1);
}

TEST(RcuPointerTest, ReplaceWaitsUntilTheOldValuesReaderIsDropped) {
  std::atomic<int> old_destroyed{0};
  std::atomic<int> new_destroyed{0};
  RcuPointer<Tracked> pointer;
  pointer.replace(make_tracked(1, old_destroyed));

  std::optional<BackgroundReplace> writer;  // outlives `reader`, so an early return still ends
  {
    const auto reader = pointer.read();
    writer.emplace(pointer, make_tracked(2, new_destroyed));
    ASSERT_TRUE(published_and_still_waiting(pointer, *writer, 2));
    EXPECT_EQ(old_destroyed, 0);
    EXPECT_EQ(reader->value, 1);
  }
  EXPECT_TRUE(eventually([&] { return writer->returned(); }))
      << "replace() still waits 5 s after the last reader of the old value left";
  EXPECT_EQ(old_destroyed, 1);
  EXPECT_EQ(new_destroyed, 0);
}

TEST(RcuPointerTest, NestedSectionsKeepTheValueUntilTheOutermostCloses) {
  std::atomic<int> old_destroyed{0};
  std::atomic<int> new_destroyed{0};
  RcuPointer<Tracked> pointer;
  pointer.replace(make_tracked(1, old_destroyed));

  std::optional<BackgroundReplace> writer;
  {
    const auto outer = pointer.read();
    {
      const auto inner = pointer.read();
      EXPECT_EQ(inner.get(), outer.get());
    }
    writer.emplace(pointer, make_tracked(2, new_destroyed));
    ASSERT_TRUE(published_and_still_waiting(pointer, *writer, 2));
    EXPECT_EQ(old_destroyed, 0);
    EXPECT_EQ(outer->value, 1);
  }
  EXPECT_TRUE(eventually([&] { return writer->returned(); }));
  EXPECT_EQ(old_destroyed, 1);
}

TEST(RcuPointerTest, AMovedReaderKeepsProtectingAndTheSourceShowsNothing) {
  std::atomic<int> old_destroyed{0};
  std::atomic<int> new_destroyed{0};
  RcuPointer<Tracked> pointer;
  pointer.replace(make_tracked(1, old_destroyed));

  std::optional<BackgroundReplace> writer;
  {
    auto original = pointer.read();
    const auto moved = std::move(original);
    EXPECT_FALSE(original);  // NOLINT(bugprone-use-after-move): the state after a move is the point
    writer.emplace(pointer, make_tracked(2, new_destroyed));
    ASSERT_TRUE(published_and_still_waiting(pointer, *writer, 2));
    EXPECT_EQ(moved->value, 1);
  }
  EXPECT_TRUE(eventually([&] { return writer->returned(); }));
  EXPECT_EQ(old_destroyed, 1);
}

// --- Swaps under constant reading -------------------------------------------------

constexpr std::size_t kPayloadCells = 64;
constexpr std::uint64_t kMaxGenerations = 20'000;
constexpr std::uint64_t kPoison = 0xDEADDEADDEADDEADu;

std::uint64_t cell_value(std::uint64_t generation, std::size_t index) {
  return generation * 0x9E3779B97F4A7C15u + index;
}

// What the stress test's threads learn, kept outside the payloads so that it stays
// readable after a payload is freed.
struct StressLedger {
  std::vector<std::atomic<int>> destructions = std::vector<std::atomic<int>>(kMaxGenerations + 1);
  std::vector<std::atomic<bool>> observed = std::vector<std::atomic<bool>>(kMaxGenerations + 1);
  std::atomic<std::uint64_t> bad_payloads{0};
  std::atomic<std::uint64_t> reads_after_destruction{0};
};

struct Payload {
  Payload(std::uint64_t payload_generation, StressLedger& stress_ledger)
      : generation(payload_generation), ledger(&stress_ledger) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      cells[i] = cell_value(generation, i);
    }
  }
  // Poisons through volatile so that the compiler cannot drop the stores as dead: a
  // reader that still looks at a destroyed payload must see garbage.
  ~Payload() {
    const std::uint64_t destroyed_generation = generation;
    volatile std::uint64_t* poisoned = cells.data();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      poisoned[i] = kPoison;
    }
    *static_cast<volatile std::uint64_t*>(&generation) = kPoison;
    ledger->destructions[destroyed_generation].fetch_add(1, std::memory_order_release);
  }
  std::uint64_t generation;
  std::array<std::uint64_t, kPayloadCells> cells{};
  StressLedger* ledger;
};

// Called while a Reader keeps `payload` alive.
void check_payload(const Payload& payload, StressLedger& ledger) {
  const std::uint64_t generation = payload.generation;
  if (generation == 0 || generation > kMaxGenerations) {
    ledger.bad_payloads.fetch_add(1);
    return;
  }
  for (std::size_t i = 0; i < kPayloadCells; ++i) {
    if (payload.cells[i] != cell_value(generation, i)) {
      ledger.bad_payloads.fetch_add(1);
      break;
    }
  }
  if (ledger.destructions[generation].load(std::memory_order_acquire) != 0) {
    ledger.reads_after_destruction.fetch_add(1);
  }
  ledger.observed[generation].store(true, std::memory_order_relaxed);
}

void read_until_stopped(const RcuPointer<Payload>& pointer, StressLedger& ledger,
                        const std::atomic<bool>& stop, std::uint64_t& reads) {
  std::uint64_t count = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    check_payload(*pointer.read(), ledger);
    // Outside any section, as a DNS worker mostly is: with more threads than cores a
    // reader would otherwise often be preempted inside its section for a whole time
    // slice, and the writer, waiting for it, would manage only a few swaps.
    if (++count % 256 == 0) {
      std::this_thread::yield();
    }
  }
  reads = count;
}

TEST(RcuPointerTest, SwapsUnderConstantReadingNeverExposeADestroyedValue) {
  constexpr std::size_t kReaders = 4;
  constexpr auto kWritingTime = 1500ms;
  StressLedger ledger;
  RcuPointer<Payload> pointer;
  pointer.replace(std::make_unique<const Payload>(1, ledger));

  std::atomic<bool> stop{false};
  std::array<std::uint64_t, kReaders> reads{};
  std::vector<std::thread> readers;
  for (std::size_t r = 0; r < kReaders; ++r) {
    readers.emplace_back(read_until_stopped, std::cref(pointer), std::ref(ledger), std::cref(stop),
                         std::ref(reads[r]));
  }
  std::uint64_t last_generation = 1;
  const auto deadline = std::chrono::steady_clock::now() + kWritingTime;
  while (last_generation < kMaxGenerations && std::chrono::steady_clock::now() < deadline) {
    pointer.replace(std::make_unique<const Payload>(++last_generation, ledger));
    // With more threads than cores, a writer that never yields would swap many times
    // while the readers wait for a core, and they would see few of the values.
    std::this_thread::yield();
  }
  stop = true;
  for (auto& reader : readers) {
    reader.join();
  }
  pointer.reset();

  EXPECT_EQ(ledger.bad_payloads, 0u) << "a reader saw a poisoned or reused payload";
  EXPECT_EQ(ledger.reads_after_destruction, 0u);
  std::uint64_t wrongly_destroyed = 0;
  std::uint64_t distinct_generations_read = 0;
  for (std::uint64_t generation = 1; generation <= kMaxGenerations; ++generation) {
    const int expected_destructions = generation <= last_generation ? 1 : 0;
    wrongly_destroyed += ledger.destructions[generation] != expected_destructions ? 1 : 0;
    distinct_generations_read += ledger.observed[generation] ? 1 : 0;
  }
  EXPECT_EQ(wrongly_destroyed, 0u) << "of " << last_generation << " generations";
  for (std::size_t r = 0; r < kReaders; ++r) {
    EXPECT_GT(reads[r], 1000u) << "reader " << r;
  }
  EXPECT_GE(last_generation, 100u) << "too few swaps to mean anything";
  EXPECT_GE(distinct_generations_read, 100u) << "the readers hardly ever read during a swap";
}

// --- Slots ------------------------------------------------------------------------

TEST(EpochDomainTest, ThreadsThatExitGiveTheirSlotBack) {
  RcuPointer<int> pointer;
  pointer.replace(std::make_unique<const int>(7));
  constexpr std::size_t kThreads = EpochDomain::kMaxReaderThreads + 100;
  std::size_t good_reads = 0;
  for (std::size_t i = 0; i < kThreads; ++i) {
    std::thread([&] {
      try {
        good_reads += *pointer.read() == 7 ? 1 : 0;
      } catch (const std::runtime_error& error) {
        ADD_FAILURE() << "thread " << i << ": " << error.what();
      }
    }).join();
  }
  EXPECT_EQ(good_reads, kThreads);
}

TEST(EpochDomainTest, OneReaderThreadTooManyIsRefusedWithTheLimitInTheMessage) {
  RcuPointer<int> pointer;
  std::vector<std::jthread> holders;
  // Declared after `holders`: it is destroyed first even on an early return, which
  // wakes every holder so that `holders` can join them.
  std::promise<void> release_holders;
  const std::shared_future<void> released = release_holders.get_future().share();

  // Other threads of this process may own slots already, so count up to the refusal.
  std::string refusal;
  for (std::size_t i = 0; i <= EpochDomain::kMaxReaderThreads && refusal.empty(); ++i) {
    std::promise<std::string> outcome;
    std::future<std::string> outcome_seen = outcome.get_future();
    holders.emplace_back([&pointer, released, outcome = std::move(outcome)]() mutable {
      try {
        const auto reader = pointer.read();
        outcome.set_value("");
        released.wait();
      } catch (const std::runtime_error& error) {
        outcome.set_value(error.what());
      }
    });
    refusal = outcome_seen.get();
  }
  release_holders.set_value();
  holders.clear();

  ASSERT_FALSE(refusal.empty()) << "no thread was refused";
  EXPECT_NE(refusal.find(std::to_string(EpochDomain::kMaxReaderThreads)), std::string::npos)
      << refusal;
  std::thread([&] { EXPECT_NO_THROW(pointer.read()); }).join();
}

}  // namespace
}  // namespace dnsstop
