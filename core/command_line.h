// The programs' command lines: CLI11 (Debian libcli11-dev, see DEVELOPERS.md,
// "Dependencies") with dnsstop's rules, so that dnsstop, dnsstop-publish,
// dnsstop-sync and dnsstop-stoppage share one --help, one error format and one set
// of exit codes, and read numbers the strict way every file format does.
//
// Main thread only (parse writes help and errors to stdout/stderr). Costs one pass
// over the arguments.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "core/exit_code.h"

namespace dnsstop::command_line {

// The configuration file a program reads unless --config names another:
// $DNSSTOP_CONFIG, or /etc/dnsstop/dnsstop.yaml.
std::string default_config_path();

// A number in [min, max] as core/decimal.h reads it: digits only, no sign, no
// leading zero, no other base. CLI11's own conversion would take "010" for octal,
// "0x50" for hex and wrap "-1"; this check runs on the text before it.
// An error reads "--option: bad WHAT 'TEXT' (a decimal number MIN-MAX)".
CLI::Validator decimal(std::uint64_t min, std::uint64_t max, const std::string& what);
// A TCP or UDP port, 1-65535.
CLI::Validator port();

// What a decimal option accepts, and how --help shows its value.
struct DecimalOption {
  std::uint64_t min;
  std::uint64_t max;
  std::string what;         // errors say "bad WHAT 'TEXT'"
  std::string placeholder;  // --help shows "--serial N"
};
// Adds the option `names` (CLI11's "-s,--serial" form) read with decimal() into `value`.
template <typename Number>
CLI::Option* add_decimal(CLI::App& app, const std::string& names, Number& value, const std::string& help,
                         const DecimalOption& accepts) {
  return app.add_option(names, value, help)
      ->check(decimal(accepts.min, accepts.max, accepts.what))
      ->option_text(accepts.placeholder);
}

// A program's application with dnsstop's conventions: -h/--help, an error names the
// program (and subcommand) and points at --help. `name` also starts the program's
// log lines (core/log.h). Made once, in main().
class App : public CLI::App {
 public:
  App(std::string description, std::string name);
};

// Parses argv into the options bound to `app`. Nothing: go on and run. A code: the
// program is done and exits with it (kExitOk after --help, kExitUsage after an
// error, both already printed).
std::optional<int> parse(CLI::App& app, int argc, const char* const* argv);

}  // namespace dnsstop::command_line
