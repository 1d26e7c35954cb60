// Counters of pages served, by page and language, for the metrics endpoint. They
// count answers, never who asked.
//
// count(): any server thread, lock-free (one relaxed atomic increment).
// prometheus_text(): any thread; O(number of counters).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "stoppage/accept_language.h"
#include "stoppage/templates.h"

namespace dnsstop::stoppage {

class PageCounters {
 public:
  void count(Page page, bool json, Language language) noexcept {
    counters_[index(page, json, language)].fetch_add(1, std::memory_order_relaxed);
  }
  // Prometheus text exposition: dnsstop_stoppage_responses_total{page=,language=}.
  std::string prometheus_text() const;

 private:
  static std::size_t index(Page page, bool json, Language language) noexcept {
    return (static_cast<std::size_t>(page) * 2 + (json ? 1 : 0)) * 2 + static_cast<std::size_t>(language);
  }
  std::array<std::atomic<std::uint64_t>, kPageCount * 2 * 2> counters_{};
};

}  // namespace dnsstop::stoppage
