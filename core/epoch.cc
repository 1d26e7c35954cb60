// EpochDomain: each reader thread publishes, in a slot of its own, the epoch at which
// its outermost read section began; synchronize() advances the epoch and waits until
// no slot shows an older one.
//
// Why a reader that saw the old pointer is always waited for. Every operation below
// is seq_cst, so all of them fall into one total order S that agrees with each
// thread's program order:
//   reader: E = load epoch_;  store slot = E;  load pointer (sees the old one)
//   writer: exchange pointer;  T = ++epoch_;  load slot
// A seq_cst load that returns the old pointer must precede the exchange in S. The
// reader's slot store comes before that load, and the writer's slot load after the
// exchange, so the writer's slot load returns E or a later value of the slot: 0 once
// the section has closed, or the epoch of a newer section. E was read before the
// increment, so 0 < E < T and the writer waits. A section whose epoch is >= T read it
// after the increment, hence after the exchange, and so can only see the new
// pointer; the writer need not wait for it. The load that ends the wait also acquires
// the reader's release store, so the reader's last use of the old value happens
// before the writer frees it: the edge that ThreadSanitizer checks.
#include "core/epoch.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace dnsstop {

namespace {

// The writer is a background thread and the readers are DNS workers: a section
// normally closes within microseconds, so the writer yields a few times, then sleeps
// ever longer so that it never keeps a core from a worker.
class WriterBackoff {
 public:
  void wait() {
    if (yields_left_ > 0) {
      --yields_left_;
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(sleep_);
    sleep_ = std::min(sleep_ * 2, kLongestSleep);
  }

 private:
  static constexpr std::chrono::microseconds kLongestSleep{1000};
  int yields_left_ = 16;
  std::chrono::microseconds sleep_{1};
};

}  // namespace

thread_local EpochDomain::Slot* EpochDomain::this_thread_slot_ = nullptr;

EpochDomain& EpochDomain::global() {
  static EpochDomain* const domain = new EpochDomain();
  return *domain;
}

EpochDomain::Slot* EpochDomain::claim_slot_for_this_thread() {
  for (Slot& slot : slots_) {
    bool expected = false;
    // Acquire: the previous owner's last use of `depth` happens before ours.
    if (!slot.owned.load(std::memory_order_relaxed) &&
        slot.owned.compare_exchange_strong(expected, true, std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
      this_thread_slot_ = &slot;
      // A section opened later in this thread's exit, after this has run, claims a
      // slot that is never released: it costs that slot, never correctness.
      struct ReleaseAtThreadExit {
        ~ReleaseAtThreadExit() {
          Slot* released = std::exchange(this_thread_slot_, nullptr);
          assert(released->depth == 0 && "a read section outlived its thread");
          released->active_epoch.store(0, std::memory_order_release);
          released->owned.store(false, std::memory_order_release);
        }
      };
      thread_local ReleaseAtThreadExit release_at_thread_exit;
      return &slot;
    }
  }
  throw std::runtime_error("dnsstop: more than " + std::to_string(kMaxReaderThreads) +
                           " threads are reading at once; EpochDomain supports at most " +
                           std::to_string(kMaxReaderThreads) + " reader threads");
}

EpochDomain::ReadSection EpochDomain::read() {
  Slot* slot = this_thread_slot_;
  if (slot == nullptr) [[unlikely]] {
    slot = claim_slot_for_this_thread();
  }
  if (slot->depth++ == 0) {
    slot->active_epoch.store(epoch_.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
  }
  return ReadSection(slot);
}

void EpochDomain::synchronize() {
  assert((this_thread_slot_ == nullptr || this_thread_slot_->depth == 0) &&
         "synchronize() inside a read section would wait for itself forever");
  const std::uint64_t target = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
  // A slot nobody owns reads 0, so every slot is checked alike.
  for (Slot& slot : slots_) {
    WriterBackoff backoff;
    for (;;) {
      const std::uint64_t entered = slot.active_epoch.load(std::memory_order_seq_cst);
      if (entered == 0 || entered >= target) {
        break;
      }
      backoff.wait();
    }
  }
}

}  // namespace dnsstop
