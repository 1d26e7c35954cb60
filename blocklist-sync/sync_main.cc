// dnsstop-sync: keeps the resolver's lists current. Reads the configuration the
// module reads; `--once` runs one round, otherwise it polls until SIGTERM.
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

#include "blocklist-sync/files.h"
#include "blocklist-sync/log.h"
#include "blocklist-sync/metrics_server.h"
#include "blocklist-sync/syncer.h"
#include "core/config.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Local files are watched by looking at them this often.
constexpr std::uint64_t kLocalFileCheckSeconds = 2;
// The first retry after a failure; doubled per further failure up to the poll interval.
constexpr std::uint64_t kFirstRetrySeconds = 5;

constexpr std::string_view kUsage =
    "usage: dnsstop-sync [--config FILE] [--once | --check-config]\n"
    "\n"
    "  Fetches the lists configured with a url, verifies their signatures and\n"
    "  serials, and publishes the snapshot the Unbound module watches.\n"
    "  --config FILE   the configuration (default: $DNSSTOP_CONFIG or\n"
    "                  /etc/dnsstop/dnsstop.yaml)\n"
    "  --once          one round, then exit: 0 when every list is current, 1 otherwise\n"
    "  --check-config  validate the configuration and exit\n";

std::atomic<bool> stop_requested{false};

void request_stop(int) { stop_requested.store(true); }

std::uint64_t unix_now() { return static_cast<std::uint64_t>(::time(nullptr)); }

void write_metrics(const dnsstop::Config& config, const dnsstop::sync::Syncer& syncer) {
  if (config.sync.metrics_textfile.empty()) return;
  try {
    dnsstop::sync::write_text_atomically(config.sync.metrics_textfile, syncer.metrics_text(unix_now()));
  } catch (const std::exception& error) {
    dnsstop::sync::log_line(dnsstop::sync::LogLevel::kWarning, std::string("metrics: ") + error.what());
  }
}

bool publish(dnsstop::sync::Syncer& syncer) {
  try {
    syncer.publish_if_changed(unix_now());
    return true;
  } catch (const std::exception& error) {
    dnsstop::sync::log_line(dnsstop::sync::LogLevel::kError, std::string("cannot publish the snapshot: ") + error.what());
    return false;
  }
}

int run_once(const dnsstop::Config& config) {
  dnsstop::sync::Syncer syncer(config);
  bool all_current = true;
  for (std::size_t index = 0; index < config.lists.size(); ++index) {
    all_current = syncer.sync_list(index, unix_now()) && all_current;
  }
  const bool published = publish(syncer);
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
  dnsstop::sync::log_line(dnsstop::sync::LogLevel::kInfo, "started with " + std::to_string(config.lists.size()) +
                                                              " lists from " + config.source);
  while (!stop_requested.load()) {
    for (std::size_t index = 0; index < config.lists.size() && !stop_requested.load(); ++index) {
      const std::uint64_t started_ms = monotonic_ms();
      if (started_ms < due_ms[index]) continue;
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
    publish(syncer);
    write_metrics(config, syncer);
    if (metrics_server) metrics_server->update(syncer.metrics_text(unix_now()));
    const std::uint64_t next_ms =
        due_ms.empty() ? monotonic_ms() + 60'000 : *std::min_element(due_ms.begin(), due_ms.end());
    sleep_until_ms(next_ms);
  }
  dnsstop::sync::log_line(dnsstop::sync::LogLevel::kInfo, "stopping");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const char* environment_config = std::getenv("DNSSTOP_CONFIG");
  std::string config_path = environment_config != nullptr ? environment_config : "/etc/dnsstop/dnsstop.yaml";
  bool once = false;
  bool check_only = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--once") {
      once = true;
    } else if (args[i] == "--check-config") {
      check_only = true;
    } else if (args[i] == "--config" && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::fputs(kUsage.data(), stdout);
      return kExitOk;
    } else {
      std::fprintf(stderr, "dnsstop-sync: unknown argument '%.*s'\n\n%s", static_cast<int>(args[i].size()),
                   args[i].data(), kUsage.data());
      return kExitUsage;
    }
  }
  try {
    const dnsstop::Config config = dnsstop::load_config(config_path);
    if (check_only) {
      std::printf("%s: valid\n", config_path.c_str());
      return kExitOk;
    }
    struct sigaction action {};
    action.sa_handler = request_stop;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    return once ? run_once(config) : run_daemon(config);
  } catch (const dnsstop::ConfigError& error) {
    dnsstop::sync::log_line(dnsstop::sync::LogLevel::kError, std::string("not starting: ") + error.what());
    return kExitUsage;
  } catch (const std::exception& error) {
    dnsstop::sync::log_line(dnsstop::sync::LogLevel::kError, error.what());
    return kExitFailed;
  }
}
