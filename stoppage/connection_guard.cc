#include "stoppage/connection_guard.h"

#include <algorithm>
#include <stdexcept>

namespace dnsstop::stoppage {

ConnectionGuard::ConnectionGuard(std::uint32_t max_connections, Clock::duration request_timeout)
    : max_connections_(max_connections), request_timeout_(request_timeout) {}

ConnectionGuard::Slot& ConnectionGuard::slot(int id) {
  if (id < 0) throw std::invalid_argument("connection id must not be negative");
  const auto index = static_cast<std::size_t>(id);
  if (index >= slots_.size()) slots_.resize(std::max(index + 1, slots_.size() * 2));
  return slots_[index];
}

std::optional<int> ConnectionGuard::opened(int id, Clock::time_point now) {
  closed(id);  // an id is only reused after closed(); this keeps the count right if not
  start_waiting(id, now);
  ++counted_;
  if (counted_ <= max_connections_) return std::nullopt;
  // Over the cap: the oldest waiter goes. This one is the newest waiter, so it is
  // chosen only when nothing else waits (every other connection is being answered).
  const int victim = oldest_waiting_;
  mark_closing(victim);
  return victim;
}

void ConnectionGuard::request_complete(int id) {
  Slot& entry = slot(id);
  if (entry.state != State::kWaiting) return;  // closing already: it stays closing
  stop_waiting(id);
  entry.state = State::kBusy;
}

void ConnectionGuard::answered(int id, Clock::time_point now) {
  if (slot(id).state == State::kBusy) start_waiting(id, now);
}

void ConnectionGuard::closed(int id) {
  Slot& entry = slot(id);
  if (entry.state == State::kFree) return;
  if (entry.state != State::kClosing) --counted_;
  if (entry.state == State::kWaiting) stop_waiting(id);
  entry.state = State::kFree;
}

std::optional<int> ConnectionGuard::next_expired(Clock::time_point now) {
  const std::optional<Clock::time_point> deadline = next_deadline();
  if (!deadline || *deadline > now) return std::nullopt;
  const int expired = oldest_waiting_;
  mark_closing(expired);
  return expired;
}

std::optional<ConnectionGuard::Clock::time_point> ConnectionGuard::next_deadline() const {
  if (oldest_waiting_ < 0) return std::nullopt;
  return slots_[static_cast<std::size_t>(oldest_waiting_)].waiting_since + request_timeout_;
}

void ConnectionGuard::start_waiting(int id, Clock::time_point now) {
  Slot& entry = slot(id);
  // Callers read the clock before taking the lock, so "now" may be a little older
  // than the newest waiter's; keeping the list in order keeps every call O(1), and
  // a deadline microseconds late does not matter.
  entry.waiting_since = newest_waiting_ < 0 ? now : std::max(now, slots_[static_cast<std::size_t>(newest_waiting_)].waiting_since);
  entry.state = State::kWaiting;
  entry.previous = newest_waiting_;
  entry.next = -1;
  if (newest_waiting_ >= 0) {
    slots_[static_cast<std::size_t>(newest_waiting_)].next = id;
  } else {
    oldest_waiting_ = id;
  }
  newest_waiting_ = id;
}

void ConnectionGuard::stop_waiting(int id) {
  Slot& entry = slots_[static_cast<std::size_t>(id)];
  if (entry.previous >= 0) {
    slots_[static_cast<std::size_t>(entry.previous)].next = entry.next;
  } else {
    oldest_waiting_ = entry.next;
  }
  if (entry.next >= 0) {
    slots_[static_cast<std::size_t>(entry.next)].previous = entry.previous;
  } else {
    newest_waiting_ = entry.previous;
  }
  entry.previous = entry.next = -1;
}

void ConnectionGuard::mark_closing(int id) {
  Slot& entry = slots_[static_cast<std::size_t>(id)];
  if (entry.state == State::kWaiting) stop_waiting(id);
  entry.state = State::kClosing;
  --counted_;
}

}  // namespace dnsstop::stoppage
