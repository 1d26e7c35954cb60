// Which connections an HTTP server (http_server.h: the stop page's, dnsstop-sync's
// metrics endpoint) closes so that slow or hostile clients cannot starve the others
// (docs/stoppage.md, "Slow and hostile clients"), without
// looking at who they are: every connection must deliver a complete request within
// request_timeout of opening or of its previous answer, and a connection that opens
// while max_connections are open evicts the one that has waited longest for its
// first request; when none waits for a first request, the kept-alive one that has
// waited longest since its last answer; when every open one is busy being
// answered, the newcomer itself. A connection that has completed a request has
// shown it is a client; a slowloris's never has.
//
// Pure: no clock, no sockets; the caller passes the time, names connections by small
// non-negative ids (their socket descriptors) and closes the ids it is given. Not
// thread-safe: http_server.cc calls it under one mutex per listening socket. Every
// call is O(1), plus amortised growth of a table indexed by id (24 bytes per id up to
// the highest id seen).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace dnsstop::http {

class ConnectionGuard {
 public:
  using Clock = std::chrono::steady_clock;

  ConnectionGuard(std::uint32_t max_connections, Clock::duration request_timeout);

  // A connection opened: it now waits for its first request. Returns the id to close
  // when this one went over max_connections (see above).
  std::optional<int> opened(int id, Clock::time_point now);
  // The connection's whole request arrived: its deadline stops while it is answered.
  void request_complete(int id);
  // Its answer was sent: it waits, kept alive, for its next request from now.
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
  enum class Queue : std::uint8_t { kFirstRequest, kKeptAlive };
  struct Slot {
    Clock::time_point waiting_since{};
    int previous = -1;  // neighbours in its wait queue, oldest first
    int next = -1;
    State state = State::kFree;
    Queue queue = Queue::kFirstRequest;
  };
  struct WaitQueue {
    int oldest = -1;
    int newest = -1;
  };

  Slot& slot(int id);
  std::optional<int> oldest_waiter() const;  // of both queues: the earliest deadline
  void start_waiting(int id, Queue queue, Clock::time_point now);
  void stop_waiting(int id);
  void mark_closing(int id);

  std::uint32_t max_connections_;
  Clock::duration request_timeout_;
  std::vector<Slot> slots_;  // by id
  std::array<WaitQueue, 2> queues_{};  // by Queue, each in the order its waits began
  std::size_t counted_ = 0;
};

}  // namespace dnsstop::http
