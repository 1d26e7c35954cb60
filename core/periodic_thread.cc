// A condition variable with a timeout: the wait is the interval, the stop flag ends it.
#include "core/periodic_thread.h"

#include <utility>

namespace dnsstop {

PeriodicThread::PeriodicThread(std::chrono::milliseconds interval, std::function<void()> task)
    : task_(std::move(task)), thread_([this, interval] { run(interval); }) {}

PeriodicThread::~PeriodicThread() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void PeriodicThread::run(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    task_();
    lock.lock();
  }
}

}  // namespace dnsstop
