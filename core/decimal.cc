#include "core/decimal.h"

#include <algorithm>
#include <charconv>

namespace dnsstop {

bool is_plain_decimal(std::string_view text) {
  return !text.empty() && !(text.size() > 1 && text[0] == '0') &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (!is_plain_decimal(text)) return std::nullopt;
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || number > max) return std::nullopt;
  return number;
}

}  // namespace dnsstop
