// RcuPointer<T>: the current immutable T (the loaded snapshot) that reader threads
// use without locks while a writer swaps in a new one; the old one is destroyed only
// after every reader that could see it has left. See docs/snapshot-swap.md.
//
// read(): any thread, wait-free, no allocation after the thread's first read (which
// claims an epoch slot, see core/epoch.h). replace()/reset(): any thread not
// inside a read section; writers are serialised among themselves
// and sleep until the readers of the old value have left (microseconds normally).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <utility>

#include "core/epoch.h"

namespace dnsstop {

template <class T>
class RcuPointer {
 public:
  RcuPointer() = default;
  RcuPointer(const RcuPointer&) = delete;
  RcuPointer& operator=(const RcuPointer&) = delete;
  ~RcuPointer() { reset(); }

  // Keeps the value it returns alive for as long as it exists; get() is null when empty.
  class Reader {
   public:
    // A moved-from Reader no longer keeps its value alive, so it no longer shows it.
    Reader(Reader&& other) noexcept
        : section_(std::move(other.section_)), value_(std::exchange(other.value_, nullptr)) {}

    const T* get() const noexcept { return value_; }
    const T* operator->() const noexcept { return value_; }
    const T& operator*() const noexcept { return *value_; }
    explicit operator bool() const noexcept { return value_ != nullptr; }

   private:
    friend class RcuPointer;
    Reader(EpochDomain::ReadSection section, const T* value) noexcept
        : section_(std::move(section)), value_(value) {}
    EpochDomain::ReadSection section_;
    const T* value_;
  };

  Reader read() const {
    auto section = domain_.read();
    return Reader(std::move(section), current_.load(std::memory_order_seq_cst));
  }

  // Publishes `next` (may be null), then waits for the old value's readers and destroys it.
  void replace(std::unique_ptr<const T> next) {
    std::lock_guard writer(writer_mutex_);
    const T* old = current_.exchange(next.release(), std::memory_order_seq_cst);
    if (old != nullptr) {
      domain_.synchronize();
      delete old;
    }
  }

  void reset() { replace(nullptr); }

 private:
  EpochDomain& domain_ = EpochDomain::global();
  std::atomic<const T*> current_{nullptr};
  std::mutex writer_mutex_;
};

}  // namespace dnsstop
