#include "core/retry_backoff.h"

#include <algorithm>

namespace dnsstop {

std::uint64_t next_attempt_ms(std::uint64_t started_ms, std::uint64_t interval_ms, std::uint32_t consecutive_failures,
                              std::uint64_t random) {
  if (consecutive_failures == 0) return started_ms + interval_ms;
  // Past 20 doublings the backoff exceeds any poll interval (at most a day); the cap
  // keeps the shift defined.
  const std::uint32_t doublings = std::min<std::uint32_t>(consecutive_failures - 1, 20);
  const std::uint64_t backoff_ms = std::min<std::uint64_t>(interval_ms, kFirstRetryMs << doublings);
  return started_ms + backoff_ms / 2 + random % (backoff_ms / 2 + 1);
}

}  // namespace dnsstop
