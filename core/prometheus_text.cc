// The text format's escaping rules, in one place.
#include "core/prometheus_text.h"

namespace dnsstop {
namespace {

// HELP escapes backslash and line feed; a label value also the double quote.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help) {
  text_.append("# HELP ").append(name).append(" ");
  append_escaped(text_, help, false);
  text_.append("\n# TYPE ").append(name).append(type == MetricType::kCounter ? " counter\n" : " gauge\n");
}

void PrometheusText::sample_line(std::string_view name, std::initializer_list<MetricLabel> labels,
                                 const std::string& value) {
  text_.append(name);
  if (labels.size() != 0) {
    char separator = '{';
    for (const MetricLabel& label : labels) {
      text_.append(1, separator).append(label.name).append("=\"");
      append_escaped(text_, label.value, true);
      text_.append("\"");
      separator = ',';
    }
    text_.append("}");
  }
  text_.append(" ").append(value).append("\n");
}

}  // namespace dnsstop
