// Epoch-based reclamation: many threads read shared data without locks while one
// thread at a time retires old data and frees it once no reader can still see it.
// The design and the reasons for not using liburcu are in docs/snapshot-swap.md.
//
// Readers: any thread, any time; entering and leaving a read section never blocks.
// Only a thread's first section does more: it claims a slot with one CAS loop and
// registers the slot's release at thread exit (which may allocate, once).
// Sections nest. synchronize(): any thread that is not inside a read section; it
// sleeps until every section that was open when it was called has closed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace dnsstop {

class EpochDomain {
 private:
  struct Slot;

 public:
  // More concurrent reader threads than this make read() throw std::runtime_error
  // on the extra thread's first section; Unbound's num-threads is far below it.
  static constexpr std::size_t kMaxReaderThreads = 512;

  // The one domain of the process. It is never destroyed, so a thread that exits at
  // any time (even during static destruction) can still release its slot.
  static EpochDomain& global();

  EpochDomain(const EpochDomain&) = delete;
  EpochDomain& operator=(const EpochDomain&) = delete;

  class ReadSection {
   public:
    ReadSection(ReadSection&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
    ReadSection& operator=(ReadSection&&) = delete;
    ~ReadSection();

   private:
    friend class EpochDomain;
    explicit ReadSection(Slot* slot) noexcept : slot_(slot) {}
    Slot* slot_;  // null once moved from
  };

  ReadSection read();
  void synchronize();

 private:
  EpochDomain() = default;
  struct alignas(64) Slot {
    std::atomic<bool> owned{false};
    std::atomic<std::uint64_t> active_epoch{0};  // 0: the owner is outside any section
    std::uint32_t depth = 0;                     // nesting, touched by the owner only
  };
  Slot* claim_slot_for_this_thread();

  // Set on the thread's first section, cleared when the thread exits; there is only
  // one domain, so one pointer per thread is enough.
  static thread_local Slot* this_thread_slot_;

  std::atomic<std::uint64_t> epoch_{1};
  Slot slots_[kMaxReaderThreads];
};

// Inline, like the move above, because every DNS query closes a section.
inline EpochDomain::ReadSection::~ReadSection() {
  if (slot_ != nullptr && --slot_->depth == 0) {
    slot_->active_epoch.store(0, std::memory_order_release);
  }
}

}  // namespace dnsstop
