// Conversions between presentation and wire-format names.
#include "core/wire_name.h"

#include <cstdio>

namespace dnsstop {

std::vector<std::uint8_t> wire_from_name(std::string_view canonical_name) {
  std::vector<std::uint8_t> wire;
  wire.reserve(canonical_name.size() + 2);
  std::size_t start = 0;
  while (start < canonical_name.size()) {
    std::size_t dot = canonical_name.find('.', start);
    if (dot == std::string_view::npos) dot = canonical_name.size();
    wire.push_back(static_cast<std::uint8_t>(dot - start));
    wire.insert(wire.end(), canonical_name.begin() + static_cast<std::ptrdiff_t>(start),
                canonical_name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  wire.push_back(0);
  return wire;
}

std::span<const std::uint8_t> wire_suffix(std::span<const std::uint8_t> wire_name, std::size_t labels) noexcept {
  std::size_t total = 0;
  for (std::size_t at = 0; at < wire_name.size() && wire_name[at] != 0; at += 1 + wire_name[at]) ++total;
  std::size_t at = 0;
  for (std::size_t skip = total > labels ? total - labels : 0; skip > 0; --skip) at += 1 + wire_name[at];
  return wire_name.subspan(at);
}

std::string name_from_wire(std::span<const std::uint8_t> wire_name) {
  std::string text;
  std::size_t at = 0;
  while (at < wire_name.size() && wire_name[at] != 0) {
    const std::size_t length = wire_name[at];
    if (length > 63 || at + 1 + length >= wire_name.size()) return "<malformed name>";
    if (!text.empty()) text += '.';
    for (std::size_t i = at + 1; i <= at + length; ++i) {
      const std::uint8_t c = wire_name[i];
      if (c > ' ' && c <= '~' && c != '.' && c != '\\') {
        text += static_cast<char>(c);
      } else {
        char escaped[5];
        std::snprintf(escaped, sizeof(escaped), "\\%03u", c);
        text += escaped;
      }
    }
    at += 1 + length;
  }
  if (at >= wire_name.size()) return "<malformed name>";
  return text.empty() ? "." : text;
}

}  // namespace dnsstop
