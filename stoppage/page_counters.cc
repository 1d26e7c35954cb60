#include "stoppage/page_counters.h"

namespace dnsstop::stoppage {

std::string PageCounters::prometheus_text() const {
  std::string text =
      "# HELP dnsstop_stoppage_responses_total Pages served by the stop-page server, by page and language.\n"
      "# TYPE dnsstop_stoppage_responses_total counter\n";
  for (const Page page : {Page::kStop, Page::kCheck, Page::kNotBlocked}) {
    for (const bool json : {false, true}) {
      if (page == Page::kStop && json) continue;  // the stop page has no JSON form
      for (const Language language : kLanguages) {
        text += "dnsstop_stoppage_responses_total{page=\"" + std::string(page_name(page)) + (json ? "_json" : "") +
                "\",language=\"" + std::string(language_code(language)) + "\"} " +
                std::to_string(counters_[index(page, json, language)].load(std::memory_order_relaxed)) + "\n";
      }
    }
  }
  return text;
}

}  // namespace dnsstop::stoppage
