// dnsstop-sync's log: one line per event on stderr, prefixed with the syslog
// priority in angle brackets, which journald reads as the line's level (systemd's
// SyslogLevelPrefix) and which stays readable on a terminal.
//
// Any thread (one fprintf per line, which stdio locks).
#pragma once

#include <cstdio>
#include <string>

namespace dnsstop::sync {

enum class LogLevel { kError = 3, kWarning = 4, kInfo = 6 };

inline void log_line(LogLevel level, const std::string& text) {
  std::fprintf(stderr, "<%d>dnsstop-sync: %s\n", static_cast<int>(level), text.c_str());
}

}  // namespace dnsstop::sync
