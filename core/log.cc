// One line, one stdio call: stdio locks the stream, so lines of several threads never
// interleave, and stderr is unbuffered, so a line is out before the next event.
#include "core/log.h"

#include <algorithm>
#include <cstdio>

namespace dnsstop {
namespace {

std::string& program_name() {
  static std::string name = "dnsstop";
  return name;
}

}  // namespace

void set_log_program(std::string_view program) { program_name() = program; }

std::string format_log_line(std::string_view program, LogLevel level, std::string_view text) {
  std::string line = '<' + std::to_string(static_cast<int>(level)) + '>';
  line.append(program).append(": ").append(text);
  std::replace(line.begin(), line.end(), '\n', ' ');
  line += '\n';
  return line;
}

void log_line(LogLevel level, std::string_view text) {
  const std::string line = format_log_line(program_name(), level, text);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace dnsstop
