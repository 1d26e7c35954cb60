// Which connections the stop-page server closes so that slow or hostile clients
// cannot starve the others (docs/stoppage.md, "Slow and hostile clients"), without
// looking at who they are: every connection must deliver a complete request within
// request_timeout of opening or of its previous answer, and a connection that opens
// while max_connections are open evicts the one that has waited longest for its
// request (or, when every open one is busy being answered, is itself closed).
//
// Pure: no clock, no sockets; the caller passes the time, names connections by small
// non-negative ids (their socket descriptors) and closes the ids it is given. Not
// thread-safe: http_server.cc calls it under one mutex per listening socket. Every
// call is O(1), plus amortised growth of a table indexed by id (24 bytes per id up to
// the highest id seen).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace dnsstop::stoppage {

class ConnectionGuard {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionGuard(std::uint32_t max_connections, Clock::duration request_timeout);

  // A connection opened: it now waits for its first request. Returns the id to close
  // when this one went over max_connections: the connection that has waited longest
  // for its request, or this one when none is waiting.
  std::optional<int> opened(int id, Clock::time_point now);
  // The connection's whole request arrived: its deadline stops while it is answered.
  void request_complete(int id);
  // Its answer was sent: it waits for its next request from now.
  void answered(int id, Clock::time_point now);
  // The connection is gone (closed by either side); its id may be reused.
  void closed(int id);

  // The waiting connection whose deadline passed longest ago, if any; it is then
  // counted as closing and never returned again. Call until it returns nothing.
  std::optional<int> next_expired(Clock::time_point now);
  // When next_expired will next have something to return; nothing while no
  // connection waits.
  std::optional<Clock::time_point> next_deadline() const;

  // Open connections that count against max_connections (not those being closed).
  std::size_t counted() const noexcept { return counted_; }

 private:
  enum class State : std::uint8_t { kFree, kWaiting, kBusy, kClosing };
  struct Slot {
    Clock::time_point waiting_since{};
    int previous = -1;  // the waiting list, oldest first
    int next = -1;
    State state = State::kFree;
  };

  Slot& slot(int id);
  void start_waiting(int id, Clock::time_point now);
  void stop_waiting(int id);
  void mark_closing(int id);

  std::uint32_t max_connections_;
  Clock::duration request_timeout_;
  std::vector<Slot> slots_;  // by id
  int oldest_waiting_ = -1;
  int newest_waiting_ = -1;
  std::size_t counted_ = 0;
};

}  // namespace dnsstop::stoppage
