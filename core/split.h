// Splitting text into the pieces between one separator character: the lines of a
// list, delta or key file, the words of a manifest or state-file line. A separator
// at the very end ends the last piece and starts no empty one ("a\n" is one line).
// And trimming a piece of the blanks around it.
//
// Pure; any thread; O(length). The pieces view `text`, which must outlive them.
#pragma once

#include <string_view>
#include <vector>

namespace dnsstop {

std::vector<std::string_view> split(std::string_view text, char separator);

// `text` without the spaces, tabs and carriage returns at its ends.
std::string_view trimmed(std::string_view text);

}  // namespace dnsstop
