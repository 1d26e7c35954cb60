#include "core/printable.h"

namespace dnsstop {

std::string printable(std::string_view text, std::size_t max_chars, char quote) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    if (out.size() > max_chars) {
      out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\' && (quote == '\0' || c != quote)) {
      out += c;
    } else {
      out += "\\x";
      out += kHexDigits[byte >> 4];
      out += kHexDigits[byte & 0x0f];
    }
  }
  return out;
}

std::string in_quotes(std::string_view text, char quote) {
  return quote + printable(text, kMaxQuotedChars, quote) + quote;
}

std::string quoted_char(char c) { return in_quotes(std::string_view(&c, 1), '\''); }

}  // namespace dnsstop
