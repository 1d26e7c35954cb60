// Prometheus text exposition format (version 0.0.4) for every metrics output: the
// module's textfile, the stop page's and dnsstop-sync's /metrics. One family is its
// HELP and TYPE lines followed by its samples, one sample a line; HELP texts and label
// values are escaped as the format says (backslash, double quote, line feed), so a
// name from a configuration can never break the text.
//
// Pure; one writer per rendering, in one thread. O(size of the text).
#pragma once

#include <concepts>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace dnsstop {

enum class MetricType { kCounter, kGauge };

struct MetricLabel {
  std::string_view name;  // [a-zA-Z_][a-zA-Z0-9_]*, a constant of the caller's
  std::string_view value;  // any text: escaped
};

class PrometheusText {
 public:
  // "# HELP NAME HELP" and "# TYPE NAME TYPE".
  void family(std::string_view name, MetricType type, std::string_view help);
  // "NAME{LABEL="VALUE",...} VALUE"; integers print exactly, doubles with six decimals.
  template <class Number>
    requires std::integral<Number> || std::floating_point<Number>
  void sample(std::string_view name, std::initializer_list<MetricLabel> labels, Number value) {
    sample_line(name, labels, std::to_string(value));
  }

  const std::string& text() const noexcept { return text_; }
  std::string take() noexcept { return std::move(text_); }

 private:
  void sample_line(std::string_view name, std::initializer_list<MetricLabel> labels, const std::string& value);
  std::string text_;
};

}  // namespace dnsstop
