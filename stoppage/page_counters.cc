// The counters as one Prometheus family.
#include "stoppage/page_counters.h"

#include "core/prometheus_text.h"

namespace dnsstop::stoppage {

std::string PageCounters::prometheus_text() const {
  PrometheusText text;
  text.family("dnsstop_stoppage_responses_total", MetricType::kCounter,
              "Pages served by the stop-page server, by page and language.");
  for (const Page page : {Page::kStop, Page::kCheck, Page::kNotBlocked}) {
    for (const bool json : {false, true}) {
      if (page == Page::kStop && json) continue;  // the stop page has no JSON form
      const std::string page_label = std::string(page_name(page)) + (json ? "_json" : "");
      for (const Language language : kLanguages) {
        text.sample("dnsstop_stoppage_responses_total", {{"page", page_label}, {"language", language_code(language)}},
                    counters_[index(page, json, language)].load(std::memory_order_relaxed));
      }
    }
  }
  return text.take();
}

}  // namespace dnsstop::stoppage
