// Tests for the programs' shared command-line rules: strict numbers and ports,
// one exit code for every usage error, help as success.
#include "core/command_line.h"

#include <gtest/gtest.h>

#include <vector>

namespace dnsstop {
namespace {

struct Program {
  command_line::App app{"test program", "prog"};
  std::uint16_t port = 0;
  std::uint64_t serial = 0;

  Program() {
    app.add_option("--port", port)->check(command_line::port());
    app.add_option("--serial", serial)->check(command_line::decimal(1, 1000, "serial"));
  }

  std::optional<int> parse(std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    return command_line::parse(app, static_cast<int>(args.size()), args.data());
  }
};

// The message a refused value gives, as the validator writes it.
std::string validator_error(const CLI::Validator& validator, std::string text) { return validator(text); }

TEST(CommandLineTest, AcceptsPlainDecimalsInRange) {
  Program program;
  EXPECT_EQ(program.parse({"--port", "65535", "--serial", "1000"}), std::nullopt);
  EXPECT_EQ(program.port, 65535);
  EXPECT_EQ(program.serial, 1000u);
  Program equals;
  EXPECT_EQ(equals.parse({"--port=53"}), std::nullopt);
  EXPECT_EQ(equals.port, 53);
}

TEST(CommandLineTest, RefusesWhatCli11AloneWouldConvert) {
  // strtoull with base 0 would read these as 8 (octal), 80 (hex), a wrapped -1 or 80.
  for (const char* text : {"010", "0x50", "-1", " 80", "80x", "0", "65536", "70000", ""}) {
    Program program;
    EXPECT_EQ(program.parse({"--port", text}), kExitUsage) << text;
    EXPECT_EQ(program.port, 0) << text;
  }
  Program program;
  EXPECT_EQ(program.parse({"--serial", "1001"}), kExitUsage);
}

TEST(CommandLineTest, ErrorsSayWhatAndWhere) {
  EXPECT_EQ(validator_error(command_line::port(), "80x"), "bad port '80x' (a decimal number 1-65535)");
  EXPECT_EQ(validator_error(command_line::decimal(0, 3600, "number of seconds"), "3601"),
            "bad number of seconds '3601' (a decimal number 0-3600)");
  EXPECT_EQ(validator_error(command_line::port(), "443"), "");
}

TEST(CommandLineTest, UnknownOptionsAndMissingValuesAreUsageErrors) {
  EXPECT_EQ(Program().parse({"--frobnicate"}), kExitUsage);
  EXPECT_EQ(Program().parse({"--port"}), kExitUsage);
  EXPECT_EQ(Program().parse({"stray"}), kExitUsage);
}

TEST(CommandLineTest, HelpIsSuccess) {
  EXPECT_EQ(Program().parse({"--help"}), kExitOk);
  EXPECT_EQ(Program().parse({"-h"}), kExitOk);
}

}  // namespace
}  // namespace dnsstop
