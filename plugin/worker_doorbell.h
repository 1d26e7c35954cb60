// WorkerDoorbell: runs the module's background work (the cache purge) inside
// Unbound's worker threads, one bounded piece at a time, between their queries.
//
// Why there: a worker's event loop has always stopped before a reload or exit
// frees the caches, and fast_reload swaps the caches only while every worker is
// paused between events; work done in a worker's event loop can therefore never
// meet a freed cache, whatever the reload does (docs/unbound-module.md, "Purging").
//
// How: each worker enrolls once per module instance (from operate() or a cache
// hit, in its own thread): an eventfd and a libevent read event on the worker's
// own event base. ring() makes one enrolled worker readable; its loop calls the
// handler, and as long as the handler says more work remains, the next enrolled
// worker is rung in turn, so the work is spread over the workers and each waits
// for it at most one handler call at a time.
//
// Threads: enroll() from worker threads only; ring() from any thread; the handler
// runs in a worker thread, never two at once on one worker. The destructor runs in
// Unbound's deinit, after Unbound has deleted its workers and their event bases
// (which removed our events): it only closes the eventfds and frees the events'
// memory, calling nothing of libevent's.
// Cost: enroll() is one thread_local compare once enrolled; ring() one write(2)
// and a short mutex; each handler call one read(2) besides the handler itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "plugin/unbound_api.h"

namespace dnsstop::plugin {

class WorkerDoorbell {
 public:
  // Called in a worker thread with that worker's environment (its caches); returns
  // whether more work remains.
  using Handler = std::function<bool(module_env& worker_env)>;

  explicit WorkerDoorbell(Handler handler);
  WorkerDoorbell(const WorkerDoorbell&) = delete;
  WorkerDoorbell& operator=(const WorkerDoorbell&) = delete;
  ~WorkerDoorbell();

  // Enrolls the calling worker thread, whose environment this is. Logs and
  // carries on without it when the eventfd or event cannot be made.
  void enroll(module_env* worker_env) {
    if (enrolled_in_this_thread != serial_) enroll_slow(worker_env);
  }
  // Has the handler run soon in an enrolled worker; if none has enrolled yet, in
  // the first one that does.
  void ring();

 private:
  struct Bell;
  static void on_readable(int fd, short events, void* bell);
  void enroll_slow(module_env* worker_env);

  static thread_local std::uint64_t enrolled_in_this_thread;
  const std::uint64_t serial_;  // tells this instance from those before a reload
  const Handler handler_;
  std::mutex mutex_;  // guards what follows
  std::vector<std::unique_ptr<Bell>> bells_;
  std::size_t next_bell_ = 0;
  bool rung_before_enrolment_ = false;
};

}  // namespace dnsstop::plugin
