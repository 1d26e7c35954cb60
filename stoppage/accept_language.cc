#include "stoppage/accept_language.h"

#include <cstddef>

namespace dnsstop::stoppage {
namespace {

constexpr std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

constexpr bool equals_ignoring_case(std::string_view a, std::string_view lower_b) noexcept {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower_b[i]) return false;
  }
  return true;
}

// q-values are "0", "1" or "0." followed by up to three digits; kept in thousandths
// so comparisons are exact. Anything else reads as -1: the item is ignored.
int parse_weight(std::string_view parameters) noexcept {
  int weight = 1000;
  while (!parameters.empty()) {
    const std::size_t semicolon = parameters.find(';');
    const std::string_view parameter = trim(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? std::string_view{} : parameters.substr(semicolon + 1);
    if (parameter.size() < 2 || (parameter[0] != 'q' && parameter[0] != 'Q') || parameter[1] != '=') continue;
    const std::string_view value = parameter.substr(2);
    if (value.empty() || value.size() > 5 || (value[0] != '0' && value[0] != '1')) return -1;
    weight = (value[0] - '0') * 1000;
    if (value.size() == 1) continue;
    if (value[1] != '.') return -1;
    int scale = 100;
    for (const char digit : value.substr(2)) {
      if (digit < '0' || digit > '9') return -1;
      weight += (digit - '0') * scale;
      scale /= 10;
    }
    if (weight > 1000) return -1;
  }
  return weight;
}

}  // namespace

std::string_view language_code(Language language) noexcept {
  return language == Language::kSwedish ? "sv" : "en";
}

Language language_from_code(std::string_view code, Language fallback) noexcept {
  if (code == "sv") return Language::kSwedish;
  if (code == "en") return Language::kEnglish;
  return fallback;
}

Language choose_language(std::string_view accept_language, Language fallback) noexcept {
  Language best = fallback;
  int best_weight = 0;  // a weight of 0 means "not acceptable", so it never wins
  while (!accept_language.empty()) {
    const std::size_t comma = accept_language.find(',');
    const std::string_view item = accept_language.substr(0, comma);
    accept_language = comma == std::string_view::npos ? std::string_view{} : accept_language.substr(comma + 1);
    const std::size_t semicolon = item.find(';');
    const std::string_view tag = trim(item.substr(0, semicolon));
    const std::string_view primary = tag.substr(0, tag.find('-'));
    Language language;
    if (equals_ignoring_case(primary, "sv")) {
      language = Language::kSwedish;
    } else if (equals_ignoring_case(primary, "en")) {
      language = Language::kEnglish;
    } else if (tag == "*") {
      language = fallback;
    } else {
      continue;
    }
    const int weight = semicolon == std::string_view::npos ? 1000 : parse_weight(item.substr(semicolon + 1));
    if (weight > best_weight) {
      best = language;
      best_weight = weight;
    }
  }
  return best;
}

}  // namespace dnsstop::stoppage
