// PageCounters: one counter per page form and language, in Prometheus text.
#include "stoppage/page_counters.h"

#include <gtest/gtest.h>

#include <string>

namespace dnsstop::stoppage {
namespace {

TEST(PageCountersTest, CountsByPageAndLanguage) {
  PageCounters counters;
  counters.count(Page::kStop, false, Language::kEnglish);
  counters.count(Page::kStop, false, Language::kEnglish);
  counters.count(Page::kCheck, true, Language::kSwedish);
  const std::string text = counters.prometheus_text();
  EXPECT_NE(text.find("# TYPE dnsstop_stoppage_responses_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("dnsstop_stoppage_responses_total{page=\"stop\",language=\"en\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("dnsstop_stoppage_responses_total{page=\"stop\",language=\"sv\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("dnsstop_stoppage_responses_total{page=\"check_json\",language=\"sv\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("dnsstop_stoppage_responses_total{page=\"not_blocked_json\",language=\"en\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(text.find("stop_json"), std::string::npos);  // the stop page has no JSON form
}

}  // namespace
}  // namespace dnsstop::stoppage
