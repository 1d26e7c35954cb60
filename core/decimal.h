// Plain decimal numbers, as every file format and command line of dnsstop writes
// them: digits only, no sign, no leading zero (a YAML 1.1 reader would take 010 for
// octal), no trailing text, within the type. One parser for all of them.
//
// Pure; any thread; O(length).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dnsstop {

// Whether `text` spells a plain decimal number, of any size.
bool is_plain_decimal(std::string_view text);

// The number `text` spells, or nothing when it is not a plain decimal number up to `max`.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max = UINT64_MAX);

}  // namespace dnsstop
