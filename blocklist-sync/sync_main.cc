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
#include <string_view>
#include <vector>

#include "blocklist-sync/metrics_server.h"
#include "blocklist-sync/operator_commands.h"
#include "blocklist-sync/syncer.h"
#include "core/config.h"
#include "core/decimal.h"
#include "core/file_io.h"
#include "core/log.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Local files are watched by looking at them this often.
constexpr std::uint64_t kLocalFileCheckSeconds = 2;
// The first retry after a failure; doubled per further failure up to the poll interval.
constexpr std::uint64_t kFirstRetrySeconds = 5;
// The operator's requests (pin, unpin, approve) are looked for this often.
constexpr std::uint64_t kRequestCheckMs = 500;

constexpr std::string_view kUsage =
    "usage: dnsstop-sync [--config FILE] [--once | --check-config]\n"
    "       dnsstop-sync [--config FILE] [--wait SECONDS] COMMAND\n"
    "\n"
    "  Fetches the lists configured with a url, verifies their signatures and\n"
    "  serials, applies the guard rails, and publishes the snapshot the Unbound\n"
    "  module watches.\n"
    "  --config FILE   the configuration (default: $DNSSTOP_CONFIG or\n"
    "                  /etc/dnsstop/dnsstop.yaml)\n"
    "  --once          one round, then exit: 0 when every list is current, 1 otherwise\n"
    "  --check-config  validate the configuration and exit\n"
    "\n"
    "  Commands for the operator (carried out by the running daemon; --wait: how long\n"
    "  to wait for it, default 30; exit 3 when it has not taken the request yet):\n"
    "  status               serial in force, kept, held and pinned versions per list\n"
    "  approve LIST SERIAL  apply the version held for approval\n"
    "  pin LIST SERIAL      put a kept earlier version in force and hold it there\n"
    "  unpin LIST           follow the publisher again\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "dnsstop-sync: %s\n\n%s", what.c_str(), kUsage.data());
  return kExitUsage;
}

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
  return all_current && published ? kExitOk : kExitFailed;
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
        due_ms[index] = started_ms + interval_ms;
        continue;
      }
      // Exponential backoff with jitter, so that hundreds of resolvers that failed
      // together do not come back together.
      failures[index] = std::min<std::uint32_t>(failures[index] + 1, 20);
      const std::uint64_t backoff_ms =
          std::min<std::uint64_t>(interval_ms, (1000 * kFirstRetrySeconds) << (failures[index] - 1));
      due_ms[index] = started_ms + backoff_ms / 2 + random() % (backoff_ms / 2 + 1);
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
  dnsstop::set_log_program("dnsstop-sync");
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const char* environment_config = std::getenv("DNSSTOP_CONFIG");
  std::string config_path = environment_config != nullptr ? environment_config : "/etc/dnsstop/dnsstop.yaml";
  bool once = false;
  bool check_only = false;
  std::uint32_t wait_seconds = 30;
  std::vector<std::string> command;  // an operator's command and its operands
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--once") {
      once = true;
    } else if (args[i] == "--check-config") {
      check_only = true;
    } else if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "--wait" && i + 1 < args.size()) {
      const std::optional<std::uint64_t> seconds = dnsstop::parse_decimal(args[++i]);
      if (!seconds || *seconds > 3600) return usage_error("--wait needs 0..3600 seconds");
      wait_seconds = static_cast<std::uint32_t>(*seconds);
    } else if (!args[i].starts_with("-")) {
      command.emplace_back(args[i]);
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::fputs(kUsage.data(), stdout);
      return kExitOk;
    } else {
      return usage_error("unknown argument '" + std::string(args[i]) + "'");
    }
  }
  const std::string_view verb = command.empty() ? std::string_view() : std::string_view(command[0]);
  const std::size_t operands = verb == "approve" || verb == "pin" ? 2 : verb == "unpin" ? 1 : 0;
  std::optional<std::uint64_t> serial;
  if (operands == 2 && command.size() == 3) serial = dnsstop::parse_decimal(command[2]);
  if (!command.empty() && (verb != "status" && operands == 0)) return usage_error("unknown command '" + command[0] + "'");
  if (!command.empty() && (command.size() != operands + 1 || (operands == 2 && !serial))) {
    return usage_error(command[0] + " needs " + (operands == 2 ? "a list name and a serial" : operands == 1 ? "a list name" : "no operands"));
  }
  try {
    const dnsstop::Config config = dnsstop::load_config(config_path);
    if (check_only) {
      std::printf("%s: valid\n", config_path.c_str());
      return kExitOk;
    }
    if (verb == "status") return dnsstop::sync::print_status(config);
    if (verb == "approve") return dnsstop::sync::request_approve(config, command[1], *serial, wait_seconds);
    if (verb == "pin") return dnsstop::sync::request_pin(config, command[1], *serial, wait_seconds);
    if (verb == "unpin") return dnsstop::sync::request_unpin(config, command[1], wait_seconds);
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
    return kExitFailed;
  }
}
