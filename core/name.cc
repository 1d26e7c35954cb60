// normalize_name: brings a domain name to dnsstop's canonical form, or says in one
// short line why it cannot. ASCII input is checked and folded in one pass; input
// with other bytes is first converted to A-labels by libidn2.
#include "core/name.h"

#include <idn2.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/printable.h"

namespace dnsstop {
namespace {

// The longest possible name of one-octet labels has (253 + 1) / 2 labels, so the
// length limit already enforces the label limit and no separate count is needed.
static_assert((kMaxNameLength + 1) / 2 == kMaxLabels);

// Each byte's canonical form: upper case folded to lower, '.' kept as the label
// separator, and 0 for every byte a name may not hold. One table lookup per byte
// keeps the ASCII path to a single pass.
constexpr std::array<char, 256> kCanonicalByte = [] {
  std::array<char, 256> table{};
  for (int byte = 0; byte < 256; ++byte) {
    const int folded = (byte >= 'A' && byte <= 'Z') ? byte - 'A' + 'a' : byte;
    if (is_canonical_label_byte(static_cast<unsigned char>(folded)) || folded == '.') {
      table[static_cast<std::size_t>(byte)] = static_cast<char>(folded);
    }
  }
  return table;
}();

// Eight bytes at a time: this runs on every name of every list.
bool is_ascii(std::string_view text) noexcept {
  std::uint64_t high_bits = 0;
  std::size_t i = 0;
  for (; i + sizeof high_bits <= text.size(); i += sizeof high_bits) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    high_bits |= word;
  }
  for (; i < text.size(); ++i) high_bits |= static_cast<unsigned char>(text[i]);
  return (high_bits & 0x8080808080808080u) == 0;
}

// What a lead byte demands of the bytes that follow it.
struct Utf8SequenceRule {
  std::size_t length = 0;  // 0: the byte cannot start a sequence
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xbf;
};

// Unicode's table of well-formed UTF-8, which excludes overlong forms, surrogates
// and anything above U+10FFFF by narrowing the range of the second byte.
Utf8SequenceRule utf8_sequence_rule(unsigned char lead) noexcept {
  if (lead < 0x80) return {.length = 1};
  if (lead >= 0xc2 && lead <= 0xdf) return {.length = 2};
  if (lead == 0xe0) return {.length = 3, .second_min = 0xa0};
  if (lead == 0xed) return {.length = 3, .second_max = 0x9f};
  if (lead >= 0xe1 && lead <= 0xef) return {.length = 3};
  if (lead == 0xf0) return {.length = 4, .second_min = 0x90};
  if (lead >= 0xf1 && lead <= 0xf3) return {.length = 4};
  if (lead == 0xf4) return {.length = 4, .second_max = 0x8f};
  return {};
}

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size;) {
    const Utf8SequenceRule rule = utf8_sequence_rule(bytes[i]);
    if (rule.length == 0 || size - i < rule.length) return false;
    if (rule.length > 1 && (bytes[i + 1] < rule.second_min || bytes[i + 1] > rule.second_max)) return false;
    for (std::size_t k = 2; k < rule.length; ++k) {
      if ((bytes[i + k] & 0xc0) != 0x80) return false;
    }
    i += rule.length;
  }
  return true;
}

std::string empty_label_error(std::size_t label_start, std::size_t name_size) {
  if (label_start == 0) return "empty label (the name starts with a dot)";
  if (label_start == name_size) return "empty label at the end (only one trailing dot is allowed)";
  return "empty label (two dots in a row)";
}

std::string disallowed_character_error(char c) {
  return "character " + quoted_char(c) + " is not allowed in a name";
}

NormalizedName failure(std::string error) {
  return NormalizedName{.name = {}, .error = std::move(error)};
}

bool has_valid_label_length(std::size_t length) noexcept {
  return length > 0 && length <= kMaxLabelLength;
}

// For the label name[start, end), which fails has_valid_label_length.
std::string label_length_error(std::string_view name, std::size_t start, std::size_t end) {
  if (start == end) return empty_label_error(start, name.size());
  return "label " + in_quotes(name.substr(start, end - start)) + " is longer than 63 octets";
}

// Folds and checks in one pass into a buffer on the stack, then makes the result,
// the only allocation.
NormalizedName normalize_ascii(std::string_view input) {
  if (input.empty()) return failure("empty name");
  if (input == ".") return failure("the root \".\" cannot be listed");
  std::string_view name = input;
  if (name.back() == '.') name.remove_suffix(1);
  if (name.size() > kMaxNameLength) return failure("name is longer than 253 octets");

  std::array<char, kMaxNameLength> folded;
  const std::size_t size = name.size();
  std::size_t label_start = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const char canonical = kCanonicalByte[static_cast<unsigned char>(name[i])];
    if (canonical == 0) return failure(disallowed_character_error(name[i]));
    if (canonical == '.') {
      if (!has_valid_label_length(i - label_start)) return failure(label_length_error(name, label_start, i));
      label_start = i + 1;
    }
    folded[i] = canonical;
  }
  if (!has_valid_label_length(size - label_start)) {
    return failure(label_length_error(name, label_start, size));
  }
  return NormalizedName{.name = std::string(folded.data(), size), .error = {}};
}

NormalizedName normalize_international(std::string_view input) {
  if (!is_valid_utf8(input)) return failure("not valid UTF-8");
  // libidn2 reads a C string: a NUL would silently cut the name short.
  if (input.find('\0') != std::string_view::npos) return failure(disallowed_character_error('\0'));
  const std::string terminated(input);
  char* converted = nullptr;
  const int status =
      idn2_to_ascii_8z(terminated.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  const std::unique_ptr<char, void (*)(void*)> owner(converted, idn2_free);
  if (status != IDN2_OK) {
    return failure("internationalised name " + in_quotes(input) + " rejected: " + idn2_strerror(status));
  }
  // libidn2 passes ASCII labels through unchecked, and its result may still hold
  // empty labels or bytes DNS names cannot carry.
  return normalize_ascii(converted);
}

}  // namespace

NormalizedName normalize_name(std::string_view input) {
  return is_ascii(input) ? normalize_ascii(input) : normalize_international(input);
}

}  // namespace dnsstop
