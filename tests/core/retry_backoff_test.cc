// Tests for next_attempt_ms: when dnsstop-sync fetches a list again after a
// success or a run of failures.
#include "core/retry_backoff.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace dnsstop {
namespace {

constexpr std::uint64_t kStart = 1'000'000;
constexpr std::uint64_t kFiveMinutes = 300'000;

TEST(RetryBackoffTest, AfterASuccessThePollInterval) {
  EXPECT_EQ(next_attempt_ms(kStart, kFiveMinutes, 0, 12345), kStart + kFiveMinutes);
}

TEST(RetryBackoffTest, FailuresDoubleTheWaitFromFiveSecondsWithHalfOfItJittered) {
  for (std::uint32_t failures = 1; failures <= 6; ++failures) {
    const std::uint64_t backoff = kFirstRetryMs << (failures - 1);  // 5, 10, 20, 40, 80, 160 s
    EXPECT_EQ(next_attempt_ms(kStart, kFiveMinutes, failures, 0), kStart + backoff / 2) << failures;
    EXPECT_EQ(next_attempt_ms(kStart, kFiveMinutes, failures, backoff / 2), kStart + backoff) << failures;
    for (std::uint64_t random : {std::uint64_t{1}, std::uint64_t{977}, UINT64_MAX}) {
      const std::uint64_t next = next_attempt_ms(kStart, kFiveMinutes, failures, random);
      EXPECT_GE(next, kStart + backoff / 2) << failures;
      EXPECT_LE(next, kStart + backoff) << failures;
    }
  }
}

TEST(RetryBackoffTest, NeverWaitsLongerThanThePollInterval) {
  for (std::uint32_t failures : {7u, 20u, 21u, 64u, 1000u, UINT32_MAX}) {
    EXPECT_LE(next_attempt_ms(kStart, kFiveMinutes, failures, UINT64_MAX - 1), kStart + kFiveMinutes) << failures;
    EXPECT_GE(next_attempt_ms(kStart, kFiveMinutes, failures, 0), kStart + kFiveMinutes / 2) << failures;
  }
  // A local file watched every 2 s: a failure retries within the interval too.
  EXPECT_LE(next_attempt_ms(kStart, 2000, 1, UINT64_MAX), kStart + 2000);
}

TEST(RetryBackoffTest, TheRandomNumberSpreadsResolversThatFailedTogether) {
  const std::uint64_t first = next_attempt_ms(kStart, kFiveMinutes, 3, 1);
  const std::uint64_t second = next_attempt_ms(kStart, kFiveMinutes, 3, 7001);
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace dnsstop
