// The subcommands of the `dnsstop` operator tool. Each takes its own arguments
// (without the subcommand name), prints to stdout/stderr and returns the exit code.
// Main thread only.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dnsstop::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and found a problem
inline constexpr int kExitUsage = 2;    // bad arguments, unreadable input

int compile_command(std::span<const std::string_view> args);
int lookup_command(std::span<const std::string_view> args);
int info_command(std::span<const std::string_view> args);
int config_command(std::span<const std::string_view> args);
int history_command(std::span<const std::string_view> args);
// Exit codes for monitoring: kExitOk blocks, kExitFailure does not, kExitUsage cannot tell.
int check_command(std::span<const std::string_view> args);

}  // namespace dnsstop::cli
