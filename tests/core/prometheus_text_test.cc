// The Prometheus text writer: families, samples with and without labels, numbers
// printed as before, and the exposition format's escaping of HELP and label values.
#include "core/prometheus_text.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace dnsstop {
namespace {

TEST(PrometheusTextTest, WritesFamiliesAndOneSampleALine) {
  PrometheusText text;
  text.family("dnsstop_example_total", MetricType::kCounter, "Examples counted.");
  text.sample("dnsstop_example_total", {{"list", "police"}}, std::uint64_t{18446744073709551615u});
  text.sample("dnsstop_example_total", {{"list", "a"}, {"reason", "b"}}, 0);
  text.family("dnsstop_example_seconds", MetricType::kGauge, "Seconds.");
  text.sample("dnsstop_example_seconds", {}, std::int64_t{-3});
  text.sample("dnsstop_example_seconds", {}, 0.25);
  EXPECT_EQ(text.take(),
            "# HELP dnsstop_example_total Examples counted.\n"
            "# TYPE dnsstop_example_total counter\n"
            "dnsstop_example_total{list=\"police\"} 18446744073709551615\n"
            "dnsstop_example_total{list=\"a\",reason=\"b\"} 0\n"
            "# HELP dnsstop_example_seconds Seconds.\n"
            "# TYPE dnsstop_example_seconds gauge\n"
            "dnsstop_example_seconds -3\n"
            "dnsstop_example_seconds 0.250000\n");
}

TEST(PrometheusTextTest, EscapesLabelValuesAndHelpAsTheFormatSays) {
  PrometheusText text;
  text.family("m", MetricType::kGauge, "a \\ b \"quoted\"\nsecond line");
  text.sample("m", {{"zone", "evil\"} 1\nfake_metric{x=\"\\"}}, 1);
  // HELP: backslash and line feed escaped, quotes kept; label value: all three.
  EXPECT_EQ(text.text(),
            "# HELP m a \\\\ b \"quoted\"\\nsecond line\n"
            "# TYPE m gauge\n"
            "m{zone=\"evil\\\"} 1\\nfake_metric{x=\\\"\\\\\"} 1\n");
}

}  // namespace
}  // namespace dnsstop
