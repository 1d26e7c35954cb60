// Worker doorbells: an eventfd per enrolled worker, watched by a libevent event on
// that worker's own event base.
#include "plugin/worker_doorbell.h"

#include <event2/event.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "plugin/unbound_worker.h"

namespace dnsstop::plugin {
namespace {

std::atomic<std::uint64_t> next_serial{1};

struct FreeMemory {
  void operator()(void* memory) const { std::free(memory); }
};

}  // namespace

struct WorkerDoorbell::Bell {
  WorkerDoorbell* owner;
  module_env* worker_env;
  int fd;
  // libevent's struct event, in memory of ours: after Unbound has freed the event
  // base (which unlinks the event), it is freed without calling into libevent.
  std::unique_ptr<void, FreeMemory> event;
};

thread_local std::uint64_t WorkerDoorbell::enrolled_in_this_thread = 0;

WorkerDoorbell::WorkerDoorbell(Handler handler)
    : serial_(next_serial.fetch_add(1, std::memory_order_relaxed)), handler_(std::move(handler)) {}

WorkerDoorbell::~WorkerDoorbell() {
  for (const std::unique_ptr<Bell>& bell : bells_) ::close(bell->fd);
}

void WorkerDoorbell::enroll_slow(module_env* worker_env) {
  enrolled_in_this_thread = serial_;  // one attempt per worker, even a failed one
  event_base* base = dnsstop_worker_event_base(worker_env);
  if (base == nullptr) return;
  auto bell = std::make_unique<Bell>();
  bell->owner = this;
  bell->worker_env = worker_env;
  bell->fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (bell->fd < 0) {
    log_err("dnsstop: cannot make an eventfd for worker thread %d: %s; it will not take part in cache purges",
            log_thread_get(), std::strerror(errno));
    return;
  }
  bell->event.reset(std::malloc(event_get_struct_event_size()));
  auto* event = static_cast<struct event*>(bell->event.get());
  if (event == nullptr || event_assign(event, base, bell->fd, EV_READ | EV_PERSIST, &on_readable, bell.get()) != 0 ||
      event_add(event, nullptr) != 0) {
    log_err("dnsstop: cannot add an event to the event loop of worker thread %d; it will not take part in cache purges",
            log_thread_get());
    ::close(bell->fd);
    return;
  }
  const int fd = bell->fd;
  std::lock_guard lock(mutex_);
  bells_.push_back(std::move(bell));
  if (rung_before_enrolment_) {
    rung_before_enrolment_ = false;
    const std::uint64_t one = 1;
    (void)!::write(fd, &one, sizeof(one));
  }
}

void WorkerDoorbell::ring() {
  std::lock_guard lock(mutex_);
  if (bells_.empty()) {
    rung_before_enrolment_ = true;
    return;
  }
  const Bell& bell = *bells_[next_bell_++ % bells_.size()];
  const std::uint64_t one = 1;
  // Cannot fail but by overflowing the counter, which still leaves it readable.
  (void)!::write(bell.fd, &one, sizeof(one));
}

void WorkerDoorbell::on_readable(int fd, short, void* bell_pointer) {
  const Bell& bell = *static_cast<const Bell*>(bell_pointer);
  std::uint64_t rings = 0;
  (void)!::read(fd, &rings, sizeof(rings));
  bool more = false;
  try {
    more = bell.owner->handler_(*bell.worker_env);
  } catch (const std::exception& error) {
    log_err("dnsstop: %s", error.what());  // nothing may unwind into Unbound's event loop
  }
  if (more) bell.owner->ring();
}

}  // namespace dnsstop::plugin
