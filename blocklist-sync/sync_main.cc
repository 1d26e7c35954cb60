// dnsstop-sync: keeps the resolver's lists current. Reads the configuration the
// module reads; `--once` runs one round, otherwise it polls until SIGTERM. The
// operator's commands (status, approve, pin, unpin) act on the same state directory
// (blocklist-sync/operator_commands.h).
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "blocklist-sync/metrics_server.h"
#include "blocklist-sync/operator_commands.h"
#include "blocklist-sync/syncer.h"
#include "core/command_line.h"
#include "core/config.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/retry_backoff.h"

namespace {

using dnsstop::kExitFailure;
using dnsstop::kExitOk;
using dnsstop::kExitUsage;

// Local files are watched by looking at them this often.
constexpr std::uint64_t kLocalFileCheckSeconds = 2;
// The operator's requests (pin, unpin, approve) are looked for this often.
constexpr std::uint64_t kRequestCheckMs = 500;

std::atomic<bool> stop_requested{false};

void request_stop(int) { stop_requested.store(true); }

std::uint64_t unix_now() { return static_cast<std::uint64_t>(::time(nullptr)); }

void write_metrics(const dnsstop::Config& config, const dnsstop::sync::Syncer& syncer) {
  if (config.sync.metrics_textfile.empty()) return;
  try {
    dnsstop::write_file_atomically(config.sync.metrics_textfile, syncer.metrics_text(unix_now()));
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kWarning, std::string("metrics: ") + error.what());
  }
}

enum class Published { kNothingNew, kWritten, kFailed };

Published publish(dnsstop::sync::Syncer& syncer) {
  try {
    return syncer.publish_if_changed(unix_now()) ? Published::kWritten : Published::kNothingNew;
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kError, std::string("cannot publish the snapshot: ") + error.what());
    return Published::kFailed;
  }
}

int run_once(const dnsstop::Config& config) {
  dnsstop::sync::Syncer syncer(config);
  syncer.take_operator_requests(unix_now());
  bool all_current = true;
  for (std::size_t index = 0; index < config.lists.size(); ++index) {
    all_current = syncer.sync_list(index, unix_now()) && all_current;
  }
  const bool published = publish(syncer) != Published::kFailed;
  write_metrics(config, syncer);
  return all_current && published ? kExitOk : kExitFailure;
}

std::uint64_t monotonic_ms() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1000 + static_cast<std::uint64_t>(now.tv_nsec) / 1'000'000;
}

void sleep_until_ms(std::uint64_t deadline_ms) {
  // In steps of at most a fifth of a second, so that SIGTERM is honoured quickly.
  while (!stop_requested.load()) {
    const std::uint64_t now = monotonic_ms();
    if (now >= deadline_ms) return;
    const std::uint64_t step = std::min<std::uint64_t>(deadline_ms - now, 200);
    const timespec pause{0, static_cast<long>(step * 1'000'000)};
    ::nanosleep(&pause, nullptr);
  }
}

int run_daemon(const dnsstop::Config& config) {
  dnsstop::sync::Syncer syncer(config);
  std::optional<dnsstop::sync::MetricsServer> metrics_server;
  if (!config.sync.metrics_listen.empty()) metrics_server.emplace(config.sync.metrics_listen);
  std::vector<std::uint64_t> due_ms(config.lists.size(), 0);  // on the monotonic clock
  std::vector<std::uint32_t> failures(config.lists.size(), 0);
  std::mt19937_64 random(std::random_device{}());
  dnsstop::log_line(dnsstop::LogLevel::kInfo,
                    "started with " + std::to_string(config.lists.size()) + " lists from " + config.source);
  while (!stop_requested.load()) {
    bool acted = false;
    for (const std::size_t index : syncer.take_operator_requests(unix_now())) due_ms[index] = 0;
    for (std::size_t index = 0; index < config.lists.size() && !stop_requested.load(); ++index) {
      const std::uint64_t started_ms = monotonic_ms();
      if (started_ms < due_ms[index]) continue;
      acted = true;
      const dnsstop::ListConfig& list = config.lists[index];
      const std::uint64_t interval_ms =
          1000 * (list.source.url.empty() ? kLocalFileCheckSeconds : list.source.poll_seconds);
      if (syncer.sync_list(index, unix_now())) {
        failures[index] = 0;
      } else if (failures[index] < UINT32_MAX) {
        ++failures[index];
      }
      due_ms[index] = dnsstop::next_attempt_ms(started_ms, interval_ms, failures[index], random());
    }
    acted = publish(syncer) != Published::kNothingNew || acted;
    if (acted) {
      write_metrics(config, syncer);
      if (metrics_server) metrics_server->update(syncer.metrics_text(unix_now()));
    }
    std::uint64_t next_ms = monotonic_ms() + kRequestCheckMs;
    if (!due_ms.empty()) next_ms = std::min(next_ms, *std::min_element(due_ms.begin(), due_ms.end()));
    sleep_until_ms(next_ms);
  }
  dnsstop::log_line(dnsstop::LogLevel::kInfo, "stopping");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  namespace command_line = dnsstop::command_line;
  command_line::App app(
      "Fetches the lists configured with a url, verifies their signatures and serials, applies the guard rails, and "
      "publishes the snapshot the Unbound module watches. Without a command, runs until SIGTERM.",
      "dnsstop-sync");
  app.require_subcommand(0, 1);
  app.footer("The commands are carried out by the running daemon; exit 3 when it has not taken the request "
             "within --wait seconds.\n");
  std::string config_path = command_line::default_config_path();
  bool once = false;
  bool check_only = false;
  std::uint32_t wait_seconds = 30;
  app.add_option("--config", config_path, "The configuration (default: $DNSSTOP_CONFIG or /etc/dnsstop/dnsstop.yaml)")
      ->option_text("FILE");
  CLI::Option* once_option =
      app.add_flag("--once", once, "One round, then exit: 0 when every list is current, 1 otherwise");
  app.add_flag("--check-config", check_only, "Validate the configuration and exit")->excludes(once_option);
  command_line::add_decimal(app, "--wait", wait_seconds, "How long a command waits for the daemon (default 30)",
                            {0, 3600, "number of seconds", "SECONDS"});

  // The operator's commands and their operands.
  std::string list;
  std::uint64_t serial = 0;
  const auto add_command = [&app](const char* name, const char* help) {
    CLI::App* command = app.add_subcommand(name, help);
    command->fallthrough();  // --config and --wait may follow the command
    return command;
  };
  const auto add_list = [&list](CLI::App* command) { command->add_option("LIST", list, "The list")->required(); };
  const auto add_serial = [&serial](CLI::App* command) {
    command->add_option("SERIAL", serial, "The version's serial")
        ->check(command_line::decimal(0, UINT64_MAX, "serial"))
        ->required();
  };
  CLI::App* status_app = add_command("status", "Serial in force, kept, held and pinned versions per list");
  CLI::App* approve_app = add_command("approve", "Apply the version held for approval");
  add_list(approve_app);
  add_serial(approve_app);
  CLI::App* pin_app = add_command("pin", "Put a kept earlier version in force and hold it there");
  add_list(pin_app);
  add_serial(pin_app);
  CLI::App* unpin_app = add_command("unpin", "Follow the publisher again");
  add_list(unpin_app);

  if (const std::optional<int> done = command_line::parse(app, argc, argv)) return *done;
  const CLI::App* command = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
  try {
    const dnsstop::Config config = dnsstop::load_config(config_path);
    if (check_only) {
      std::printf("%s: valid\n", config_path.c_str());
      return kExitOk;
    }
    if (command == status_app) return dnsstop::sync::print_status(config);
    if (command == approve_app) return dnsstop::sync::request_approve(config, list, serial, wait_seconds);
    if (command == pin_app) return dnsstop::sync::request_pin(config, list, serial, wait_seconds);
    if (command == unpin_app) return dnsstop::sync::request_unpin(config, list, wait_seconds);
    struct sigaction action {};
    action.sa_handler = request_stop;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    return once ? run_once(config) : run_daemon(config);
  } catch (const dnsstop::ConfigError& error) {
    dnsstop::log_line(dnsstop::LogLevel::kError, std::string("not starting: ") + error.what());
    return kExitUsage;
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kError, error.what());
    return kExitFailure;
  }
}
