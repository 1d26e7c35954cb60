// The periodic thread: it runs its task repeatedly in its own thread, and stopping it
// does not wait out a long interval. Waits are bounded by a timeout, never sleeps.
#include "core/periodic_thread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace dnsstop {
namespace {

using std::chrono::milliseconds;

TEST(PeriodicThreadTest, RunsTheTaskRepeatedlyInItsOwnThread) {
  std::mutex mutex;
  std::condition_variable ran;
  int runs = 0;
  bool other_thread = true;
  const std::thread::id test_thread = std::this_thread::get_id();
  {
    PeriodicThread thread(milliseconds(1), [&] {
      const std::lock_guard lock(mutex);
      ++runs;
      other_thread = other_thread && std::this_thread::get_id() != test_thread;
      ran.notify_all();
    });
    std::unique_lock lock(mutex);
    ASSERT_TRUE(ran.wait_for(lock, std::chrono::seconds(10), [&] { return runs >= 3; }));
  }
  EXPECT_TRUE(other_thread);
}

TEST(PeriodicThreadTest, StoppingDoesNotWaitOutTheInterval) {
  int runs = 0;
  const auto started = std::chrono::steady_clock::now();
  { PeriodicThread thread(std::chrono::hours(1), [&] { ++runs; }); }
  EXPECT_EQ(runs, 0);  // the first run is one interval after the start
  // Far below the hour it would otherwise take.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::minutes(1));
}

}  // namespace
}  // namespace dnsstop
