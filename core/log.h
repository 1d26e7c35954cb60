// The daemons' log (dnsstop-sync, dnsstop-publish, dnsstop-stoppage): one line per
// event on stderr, "<N>PROGRAM: TEXT", where N is the syslog priority. journald reads
// the prefix as the line's level (systemd's SyslogLevelPrefix, on by default), so an
// error reaches the journal as an error; on a terminal it stays readable. The module
// logs with Unbound's log_* instead (Unbound's log is the resolver operator's).
//
// set_log_program: once, from main(), before any other thread starts. log_line: any
// thread (one stdio call per line, which stdio locks: lines never interleave).
#pragma once

#include <string>
#include <string_view>

namespace dnsstop {

enum class LogLevel { kError = 3, kWarning = 4, kInfo = 6 };

// The name every line starts with; "dnsstop" until set.
void set_log_program(std::string_view program);

void log_line(LogLevel level, std::string_view text);

// The line log_line writes, with its line feed (a line feed inside `text` becomes a
// space: one event, one line).
std::string format_log_line(std::string_view program, LogLevel level, std::string_view text);

}  // namespace dnsstop
