// A background thread that runs one task every interval until it is destroyed: the
// snapshot followers' (the module's watcher, the stop page's list facts). Stopping
// never waits out an interval: the destructor wakes the thread at once.
//
// Construct and destroy from one owning thread; the task runs in the periodic thread
// only, never twice at once, first one interval after construction. Destruction waits
// for a running task to finish. Costs one sleeping thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace dnsstop {

class PeriodicThread {
 public:
  PeriodicThread(std::chrono::milliseconds interval, std::function<void()> task);
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  ~PeriodicThread();

 private:
  void run(std::chrono::milliseconds interval);

  const std::function<void()> task_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // last: starts once everything it uses exists
};

}  // namespace dnsstop
