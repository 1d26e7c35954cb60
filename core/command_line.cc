#include "core/command_line.h"

#include <cstdlib>
#include <iostream>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "core/log.h"
#include "core/printable.h"

namespace dnsstop::command_line {

CLI::Validator decimal(std::uint64_t min, std::uint64_t max, const std::string& what) {
  const std::string range = std::to_string(min) + "-" + std::to_string(max);
  return CLI::Validator(
      [min, max, what, range](std::string& text) -> std::string {
        const std::optional<std::uint64_t> number = parse_decimal(text, max);
        if (number && *number >= min) return {};
        return "bad " + what + " " + in_quotes(text, '\'') + " (a decimal number " + range + ")";
      },
      range);
}

std::string default_config_path() {
  const char* from_environment = std::getenv("DNSSTOP_CONFIG");
  return from_environment != nullptr ? from_environment : "/etc/dnsstop/dnsstop.yaml";
}

CLI::Validator port() { return decimal(1, 65535, "port"); }

namespace {

// "dnsstop compile" for an error in a subcommand's arguments, "dnsstop" otherwise.
std::string command_name(const CLI::App& app) {
  std::string name = app.get_name();
  for (const CLI::App* command = &app; !command->get_subcommands().empty();) {
    command = command->get_subcommands().front();
    name += " " + command->get_name();
  }
  return name;
}

// CLI11 reports a mistyped command as a missing one; say which word it did not know.
std::string what_failed(const CLI::App& failed, const CLI::Error& error) {
  const CLI::App* deepest = &failed;
  while (!deepest->get_subcommands().empty()) deepest = deepest->get_subcommands().front();
  const std::vector<std::string> left = deepest->remaining();
  const bool has_commands = !deepest->get_subcommands([](const CLI::App*) { return true; }).empty();
  if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && has_commands && !left.empty()) {
    return "unknown command '" + left.front() + "'";
  }
  return error.what();
}

}  // namespace

App::App(std::string description, std::string name) : CLI::App(std::move(description), name) {
  set_log_program(name);
  failure_message([](const CLI::App* failed, const CLI::Error& error) {
    return command_name(*failed) + ": " + what_failed(*failed, error) + "\nRun with --help for more information.\n";
  });
}

std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error, std::cout, std::cerr);
    return code == static_cast<int>(CLI::ExitCodes::Success) ? kExitOk : kExitUsage;
  }
}

}  // namespace dnsstop::command_line
