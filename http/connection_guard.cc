#include "http/connection_guard.h"

#include <algorithm>
#include <stdexcept>

namespace dnsstop::http {

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
  start_waiting(id, Queue::kFirstRequest, now);
  ++counted_;
  if (counted_ <= max_connections_) return std::nullopt;
  // Over the cap: the oldest waiter for a first request goes (this one is the
  // newest, so another if there is one), else the oldest kept alive, else this one.
  const int oldest_first = queues_[static_cast<std::size_t>(Queue::kFirstRequest)].oldest;
  const int oldest_kept = queues_[static_cast<std::size_t>(Queue::kKeptAlive)].oldest;
  const int victim = oldest_first != id ? oldest_first : oldest_kept >= 0 ? oldest_kept : id;
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
  if (slot(id).state == State::kBusy) start_waiting(id, Queue::kKeptAlive, now);
}

void ConnectionGuard::closed(int id) {
  Slot& entry = slot(id);
  if (entry.state == State::kFree) return;
  if (entry.state != State::kClosing) --counted_;
  if (entry.state == State::kWaiting) stop_waiting(id);
  entry.state = State::kFree;
}

std::optional<int> ConnectionGuard::next_expired(Clock::time_point now) {
  const std::optional<int> oldest = oldest_waiter();
  if (!oldest || slots_[static_cast<std::size_t>(*oldest)].waiting_since + request_timeout_ > now) return std::nullopt;
  mark_closing(*oldest);
  return oldest;
}

std::optional<ConnectionGuard::Clock::time_point> ConnectionGuard::next_deadline() const {
  const std::optional<int> oldest = oldest_waiter();
  if (!oldest) return std::nullopt;
  return slots_[static_cast<std::size_t>(*oldest)].waiting_since + request_timeout_;
}

std::optional<int> ConnectionGuard::oldest_waiter() const {
  std::optional<int> oldest;
  for (const WaitQueue& queue : queues_) {
    if (queue.oldest < 0) continue;
    if (!oldest || slots_[static_cast<std::size_t>(queue.oldest)].waiting_since <
                       slots_[static_cast<std::size_t>(*oldest)].waiting_since) {
      oldest = queue.oldest;
    }
  }
  return oldest;
}

void ConnectionGuard::start_waiting(int id, Queue queue_name, Clock::time_point now) {
  Slot& entry = slot(id);
  WaitQueue& queue = queues_[static_cast<std::size_t>(queue_name)];
  // Callers read the clock before taking the lock, so "now" may be a little older
  // than the newest waiter's; keeping each queue in order keeps every call O(1), and
  // a deadline microseconds late does not matter.
  entry.waiting_since =
      queue.newest < 0 ? now : std::max(now, slots_[static_cast<std::size_t>(queue.newest)].waiting_since);
  entry.state = State::kWaiting;
  entry.queue = queue_name;
  entry.previous = queue.newest;
  entry.next = -1;
  if (queue.newest >= 0) {
    slots_[static_cast<std::size_t>(queue.newest)].next = id;
  } else {
    queue.oldest = id;
  }
  queue.newest = id;
}

void ConnectionGuard::stop_waiting(int id) {
  Slot& entry = slots_[static_cast<std::size_t>(id)];
  WaitQueue& queue = queues_[static_cast<std::size_t>(entry.queue)];
  if (entry.previous >= 0) {
    slots_[static_cast<std::size_t>(entry.previous)].next = entry.next;
  } else {
    queue.oldest = entry.next;
  }
  if (entry.next >= 0) {
    slots_[static_cast<std::size_t>(entry.next)].previous = entry.previous;
  } else {
    queue.newest = entry.previous;
  }
  entry.previous = entry.next = -1;
}

void ConnectionGuard::mark_closing(int id) {
  Slot& entry = slots_[static_cast<std::size_t>(id)];
  if (entry.state == State::kWaiting) stop_waiting(id);
  entry.state = State::kClosing;
  --counted_;
}

}  // namespace dnsstop::http
