#include "stoppage/html_escape.h"

#include <cstddef>
#include <cstdio>
#include <string_view>

namespace dnsstop::stoppage {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) that starts TEXT, or 0 when its first bytes
// are not one; then the caller shows one U+FFFD for the bytes before the first one
// that breaks the sequence (its "maximal subpart", as the Unicode Standard and
// browsers decode).
std::size_t utf8_sequence_length(std::string_view text, std::size_t& invalid_bytes) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong
    if (lead == 0xED) second_high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    invalid_bytes = 1;
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char low = i == 1 ? second_low : 0x80;
    const unsigned char high = i == 1 ? second_high : 0xBF;
    if (i >= text.size() || byte(i) < low || byte(i) > high) {
      invalid_bytes = i;
      return 0;
    }
  }
  return length;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      std::size_t invalid_bytes = 0;
      if (const std::size_t length = utf8_sequence_length(text.substr(i), invalid_bytes); length != 0) {
        escaped.append(text.substr(i, length));
        i += length;
      } else {
        escaped += kReplacement;
        i += invalid_bytes;
      }
      continue;
    }
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&#39;"; break;
      default: escaped += byte < 0x20 || byte == 0x7f ? kReplacement : std::string_view(&text[i], 1);
    }
    ++i;
  }
  return escaped;
}

std::string json_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char code[8];
      std::snprintf(code, sizeof code, "\\u%04x", static_cast<unsigned>(c));
      escaped += code;
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string host_from_header(std::string_view host_header) {
  constexpr std::size_t kMaxNameBytes = 253;
  std::string_view host = host_header;
  if (!host.empty() && host.front() == '[') {
    // An IPv6 literal: keep the brackets, drop a port after them.
    const std::size_t close = host.find(']');
    if (close != std::string_view::npos) host = host.substr(0, close + 1);
  } else if (const std::size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.size() > kMaxNameBytes) host = host.substr(0, kMaxNameBytes);
  std::string lowered(host);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lowered;
}

}  // namespace dnsstop::stoppage
