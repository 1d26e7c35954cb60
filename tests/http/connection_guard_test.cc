// ConnectionGuard: the request deadline and eviction at the cap, with a fake clock.
#include "http/connection_guard.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace dnsstop::http {
namespace {

using std::chrono::seconds;
constexpr ConnectionGuard::Clock::time_point kStart{seconds(1000)};

TEST(ConnectionGuardTest, BelowTheCapNothingIsEvicted) {
  ConnectionGuard guard(3, seconds(10));
  EXPECT_EQ(guard.opened(5, kStart), std::nullopt);
  EXPECT_EQ(guard.opened(6, kStart), std::nullopt);
  EXPECT_EQ(guard.opened(7, kStart), std::nullopt);
  EXPECT_EQ(guard.counted(), 3u);
}

TEST(ConnectionGuardTest, AtTheCapTheLongestWaiterIsEvicted) {
  ConnectionGuard guard(2, seconds(10));
  guard.opened(5, kStart);
  guard.opened(6, kStart + seconds(1));
  EXPECT_EQ(guard.opened(7, kStart + seconds(2)), 5);
  EXPECT_EQ(guard.counted(), 2u);
  // The evicted one is not evicted again, and its close does not change the count.
  EXPECT_EQ(guard.opened(8, kStart + seconds(3)), 6);
  guard.closed(5);
  guard.closed(6);
  EXPECT_EQ(guard.counted(), 2u);
}

TEST(ConnectionGuardTest, ConnectionsBeingAnsweredAreNotEvicted) {
  ConnectionGuard guard(2, seconds(10));
  guard.opened(5, kStart);
  guard.opened(6, kStart + seconds(1));
  guard.request_complete(5);
  EXPECT_EQ(guard.opened(7, kStart + seconds(2)), 6);
  guard.request_complete(7);
  // Both open ones are busy: the newcomer is the one closed.
  EXPECT_EQ(guard.opened(8, kStart + seconds(3)), 8);
}

TEST(ConnectionGuardTest, KeptAliveConnectionsGoOnlyWhenNoneWaitsForAFirstRequest) {
  ConnectionGuard guard(3, seconds(10));
  guard.opened(5, kStart);
  guard.request_complete(5);
  guard.answered(5, kStart + seconds(1));  // kept alive, waiting since 1 s
  guard.opened(6, kStart + seconds(2));    // its first request, since 2 s
  guard.opened(7, kStart + seconds(3));
  // 5 has waited longest, but has shown it is a client: the first-request waiters go.
  EXPECT_EQ(guard.opened(8, kStart + seconds(4)), 6);
  EXPECT_EQ(guard.opened(9, kStart + seconds(5)), 7);
  guard.request_complete(8);
  guard.request_complete(9);
  // Now only 5 waits, kept alive: it goes before a newcomer is turned away.
  EXPECT_EQ(guard.opened(10, kStart + seconds(6)), 5);
}

TEST(ConnectionGuardTest, KeptAliveConnectionsAreEvictedOldestFirst) {
  ConnectionGuard guard(2, seconds(10));
  guard.opened(5, kStart);
  guard.opened(6, kStart);
  guard.request_complete(6);
  guard.request_complete(5);
  guard.answered(6, kStart + seconds(1));
  guard.answered(5, kStart + seconds(2));
  EXPECT_EQ(guard.opened(7, kStart + seconds(3)), 6);
  guard.request_complete(7);
  EXPECT_EQ(guard.opened(8, kStart + seconds(4)), 5);
}

TEST(ConnectionGuardTest, TheDeadlineOfEitherQueueExpires) {
  ConnectionGuard guard(100, seconds(10));
  guard.opened(5, kStart);
  guard.request_complete(5);
  guard.answered(5, kStart + seconds(1));
  guard.opened(6, kStart + seconds(2));
  EXPECT_EQ(guard.next_deadline(), kStart + seconds(11));
  EXPECT_EQ(guard.next_expired(kStart + seconds(11)), 5);
  EXPECT_EQ(guard.next_deadline(), kStart + seconds(12));
  EXPECT_EQ(guard.next_expired(kStart + seconds(12)), 6);
}

TEST(ConnectionGuardTest, TheDeadlineCoversTheWholeRequestNotEachByte) {
  ConnectionGuard guard(100, seconds(10));
  EXPECT_EQ(guard.next_deadline(), std::nullopt);
  guard.opened(5, kStart);
  guard.opened(6, kStart + seconds(4));
  EXPECT_EQ(guard.next_deadline(), kStart + seconds(10));
  EXPECT_EQ(guard.next_expired(kStart + seconds(9)), std::nullopt);
  EXPECT_EQ(guard.next_expired(kStart + seconds(10)), 5);
  EXPECT_EQ(guard.next_expired(kStart + seconds(10)), std::nullopt);
  EXPECT_EQ(guard.next_deadline(), kStart + seconds(14));
  EXPECT_EQ(guard.counted(), 1u);
}

TEST(ConnectionGuardTest, NoDeadlineWhileBeingAnswered) {
  ConnectionGuard guard(100, seconds(10));
  guard.opened(5, kStart);
  guard.request_complete(5);
  EXPECT_EQ(guard.next_deadline(), std::nullopt);
  EXPECT_EQ(guard.next_expired(kStart + seconds(60)), std::nullopt);
  guard.answered(5, kStart + seconds(60));
  EXPECT_EQ(guard.next_expired(kStart + seconds(70)), 5);
}

TEST(ConnectionGuardTest, ClosedConnectionsLeaveTheListAndTheirIdsAreReused) {
  ConnectionGuard guard(2, seconds(10));
  guard.opened(5, kStart);
  guard.opened(6, kStart + seconds(1));
  guard.closed(5);
  EXPECT_EQ(guard.counted(), 1u);
  EXPECT_EQ(guard.next_deadline(), kStart + seconds(11));
  EXPECT_EQ(guard.opened(5, kStart + seconds(2)), std::nullopt);
  EXPECT_EQ(guard.opened(9, kStart + seconds(3)), 6);
  guard.closed(6);
  guard.closed(6);  // twice is harmless
  EXPECT_EQ(guard.counted(), 2u);
}

TEST(ConnectionGuardTest, EventsForClosingConnectionsAreIgnored) {
  ConnectionGuard guard(1, seconds(10));
  guard.opened(5, kStart);
  EXPECT_EQ(guard.opened(6, kStart), 5);
  guard.request_complete(5);
  guard.answered(5, kStart + seconds(1));
  EXPECT_EQ(guard.counted(), 1u);
  EXPECT_EQ(guard.next_expired(kStart + seconds(10)), 6);
}

TEST(ConnectionGuardTest, AnOlderTimeFromARacingThreadKeepsTheOrder) {
  ConnectionGuard guard(100, seconds(10));
  guard.opened(5, kStart + seconds(2));
  guard.opened(6, kStart + seconds(1));
  EXPECT_EQ(guard.next_expired(kStart + seconds(12)), 5);
  EXPECT_EQ(guard.next_expired(kStart + seconds(12)), 6);
}

TEST(ConnectionGuardTest, SlowlorisOfTwiceTheCapNeverHoldsANewcomerOut) {
  // 2 x cap attackers that never finish, interleaved with a client that does: the
  // client's connection is never the one evicted before it completes its request.
  constexpr int kCap = 50;
  ConnectionGuard guard(kCap, seconds(10));
  auto now = kStart;
  int next_id = 0;
  for (int round = 0; round < 20; ++round) {
    for (int attacker = 0; attacker < 2 * kCap; ++attacker) {
      if (const auto victim = guard.opened(next_id++, now)) guard.closed(*victim);
    }
    const int client = next_id++;
    if (const auto victim = guard.opened(client, now)) {
      ASSERT_NE(*victim, client);
      guard.closed(*victim);
    }
    guard.request_complete(client);
    guard.answered(client, now);
    guard.closed(client);
    now += std::chrono::milliseconds(100);
  }
  EXPECT_EQ(guard.counted(), static_cast<std::size_t>(kCap - 1));  // the client's last one closed
}

TEST(ConnectionGuardTest, NegativeIdsAreRefused) {
  ConnectionGuard guard(1, seconds(10));
  EXPECT_THROW(guard.opened(-1, kStart), std::invalid_argument);
}

}  // namespace
}  // namespace dnsstop::http
