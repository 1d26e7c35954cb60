// When dnsstop-sync fetches a list again: one poll interval after a success; after
// failures, exponential backoff with jitter (5 s, doubled per further failure, up
// to the poll interval, and a random half of it taken off), so that hundreds of
// resolvers that failed together do not come back together.
//
// Pure: the time and the random number are arguments; any thread; O(1).
#pragma once

#include <cstdint>

namespace dnsstop {

// The first retry after a failure waits up to this long.
inline constexpr std::uint64_t kFirstRetryMs = 5000;

// The time (on the caller's monotonic clock, in ms) of the next attempt for an
// attempt begun at started_ms. consecutive_failures counts this attempt if it
// failed (0: it succeeded); random is any uniformly drawn number.
std::uint64_t next_attempt_ms(std::uint64_t started_ms, std::uint64_t interval_ms, std::uint32_t consecutive_failures,
                              std::uint64_t random);

}  // namespace dnsstop
