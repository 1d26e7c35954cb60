// Text from outside (list lines, configuration keys, command-line arguments) made
// safe to put into a message or a log line: printable ASCII stays as it is, every
// other byte, the backslash and the quote become \xNN, so that control characters
// and bidirectional overrides cannot disguise a message, and a hostile input cannot
// flood a log.
//
// Pure; any thread; O(length of the result), which is bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dnsstop {

// Messages quote at most about this many characters of an input.
inline constexpr std::size_t kMaxQuotedChars = 80;

// `text` escaped (and `quote` too, when given), cut once the result is longer
// than max_chars, with "…" (U+2026) to show the cut.
std::string printable(std::string_view text, std::size_t max_chars = kMaxQuotedChars, char quote = '\0');

// "text" (or 'text' with quote '\''), escaped and cut as printable does. (Not named
// quoted: for a std::string argument, argument-dependent lookup would prefer
// std::quoted from <iomanip>.)
std::string in_quotes(std::string_view text, char quote = '"');
// 'c', escaped.
std::string quoted_char(char c);

}  // namespace dnsstop
