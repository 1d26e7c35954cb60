// The daemons' log lines: the syslog priority journald reads, the program, one line
// per event whatever the text holds.
#include "core/log.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

TEST(LogTest, LinesCarryTheSyslogPriorityAndTheProgram) {
  EXPECT_EQ(format_log_line("dnsstop-sync", LogLevel::kError, "list police: rejected"),
            "<3>dnsstop-sync: list police: rejected\n");
  EXPECT_EQ(format_log_line("dnsstop-stoppage", LogLevel::kWarning, "x changed"), "<4>dnsstop-stoppage: x changed\n");
  EXPECT_EQ(format_log_line("dnsstop-publish", LogLevel::kInfo, "ok"), "<6>dnsstop-publish: ok\n");
}

TEST(LogTest, ALineFeedInTheTextCannotStartAForgedLine) {
  EXPECT_EQ(format_log_line("dnsstop-sync", LogLevel::kInfo, "name\n<3>dnsstop-sync: forged"),
            "<6>dnsstop-sync: name <3>dnsstop-sync: forged\n");
}

TEST(LogTest, LogLineWritesTheFormattedLineToStandardError) {
  set_log_program("dnsstop-test");
  ::testing::internal::CaptureStderr();
  log_line(LogLevel::kWarning, "one");
  log_line(LogLevel::kInfo, "two");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "<4>dnsstop-test: one\n<6>dnsstop-test: two\n");
}

}  // namespace
}  // namespace dnsstop
