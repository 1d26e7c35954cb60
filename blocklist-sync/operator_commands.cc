// Each request is checked against the state first, so that a mistyped serial is
// refused at once, and the command then waits for the daemon to reflect it.
#include "blocklist-sync/operator_commands.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <stdexcept>

#include "blocklist-sync/state_store.h"

namespace dnsstop::sync {
namespace {

const ListConfig& fetched_list(const Config& config, const std::string& name) {
  const auto list = std::find_if(config.lists.begin(), config.lists.end(),
                                 [&](const ListConfig& candidate) { return candidate.name == name; });
  if (list == config.lists.end()) throw std::runtime_error("no list " + name + " in " + config.source);
  if (list->source.url.empty()) throw std::runtime_error("list " + name + " is a local file, not fetched");
  return *list;
}

std::string serials_of(const ListState& state) {
  std::string text;
  if (state.newest) text = std::to_string(state.newest->serial);
  for (const VersionInfo& version : state.earlier) text += ' ' + std::to_string(version.serial);
  return text.empty() ? "none" : text;
}

// Polls `done` every 100 ms for at most wait_seconds.
bool wait_for(const std::function<bool()>& done, std::uint32_t wait_seconds) {
  for (std::uint32_t step = 0; step <= wait_seconds * 10; ++step) {
    if (done()) return true;
    const timespec pause{0, 100'000'000};
    ::nanosleep(&pause, nullptr);
  }
  return false;
}

int not_taken(const std::string& what, std::uint32_t wait_seconds) {
  std::printf("%s requested; dnsstop-sync has not taken it within %u s (is it running?); it will when it runs\n",
              what.c_str(), wait_seconds);
  return kExitNotTakenYet;
}

}  // namespace

int print_status(const Config& config) {
  const StateStore store(config.sync.state_dir);
  for (const ListConfig& list : config.lists) {
    if (list.source.url.empty()) {
      std::printf("list %s: local file %s\n", list.name.c_str(), list.file.c_str());
      continue;
    }
    const ListState state = store.load(list.name);
    std::printf("list %s: serial %llu in force", list.name.c_str(),
                static_cast<unsigned long long>(state.in_force_serial()));
    if (state.pinned != 0) std::printf(" (PINNED; `dnsstop-sync unpin %s` to follow the publisher)", list.name.c_str());
    std::printf("\n  accepted (newest first): %s\n", serials_of(state).c_str());
    if (state.newest) {
      std::printf("  newest: serial %llu, %llu entries, signed by %s, accepted at %llu, expires %llu\n",
                  static_cast<unsigned long long>(state.newest->serial),
                  static_cast<unsigned long long>(state.newest->entries), state.newest->signers.c_str(),
                  static_cast<unsigned long long>(state.newest->seen_unix),
                  static_cast<unsigned long long>(state.newest->expires_unix));
    }
    if (state.held) {
      std::printf("  HELD: serial %llu (%s): %s\n  apply it with: dnsstop-sync approve %s %llu\n",
                  static_cast<unsigned long long>(state.held->serial), std::string(reason_name(state.held_reason)).c_str(),
                  state.held_why.c_str(), list.name.c_str(), static_cast<unsigned long long>(state.held->serial));
    }
    if (const auto pin = store.read_request(list.name, "pin"); pin && *pin != state.pinned) {
      std::printf("  requested, not taken yet: pin %llu\n", static_cast<unsigned long long>(*pin));
    }
    if (const auto approve = store.read_request(list.name, "approve")) {
      std::printf("  requested, not taken yet: approve %llu\n", static_cast<unsigned long long>(*approve));
    }
  }
  return 0;
}

int request_approve(const Config& config, const std::string& name, std::uint64_t serial, std::uint32_t wait_seconds) {
  const ListConfig& list = fetched_list(config, name);
  const StateStore store(config.sync.state_dir);
  const ListState state = store.load(list.name);
  if (!state.held || state.held->serial != serial) {
    std::fprintf(stderr, "dnsstop-sync approve: list %s holds %s\n", name.c_str(),
                 state.held ? ("serial " + std::to_string(state.held->serial) + ", not " + std::to_string(serial)).c_str()
                            : "no version");
    return 1;
  }
  store.write_request(list.name, "approve", serial);
  const auto taken = [&] { return !store.read_request(list.name, "approve"); };
  if (!wait_for(taken, wait_seconds)) return not_taken("approval of serial " + std::to_string(serial), wait_seconds);
  const ListState after = store.load(list.name);
  if (!after.newest || after.newest->serial != serial) {
    std::fprintf(stderr, "dnsstop-sync approve: the daemon did not apply serial %llu; see its log\n",
                 static_cast<unsigned long long>(serial));
    return 1;
  }
  std::printf("list %s: serial %llu approved and applied\n", name.c_str(), static_cast<unsigned long long>(serial));
  return 0;
}

int request_pin(const Config& config, const std::string& name, std::uint64_t serial, std::uint32_t wait_seconds) {
  const ListConfig& list = fetched_list(config, name);
  const StateStore store(config.sync.state_dir);
  const ListState state = store.load(list.name);
  if (serial == 0 || state.accepted(serial) == nullptr) {
    std::fprintf(stderr, "dnsstop-sync pin: serial %llu of list %s is not kept; kept: %s\n",
                 static_cast<unsigned long long>(serial), name.c_str(), serials_of(state).c_str());
    return 1;
  }
  store.write_request(list.name, "pin", serial);
  if (!wait_for([&] { return store.load(list.name).pinned == serial; }, wait_seconds)) {
    return not_taken("pin of serial " + std::to_string(serial), wait_seconds);
  }
  std::printf("list %s: serial %llu pinned in force; newer serials wait for `dnsstop-sync unpin %s`\n", name.c_str(),
              static_cast<unsigned long long>(serial), name.c_str());
  return 0;
}

int request_unpin(const Config& config, const std::string& name, std::uint32_t wait_seconds) {
  const ListConfig& list = fetched_list(config, name);
  const StateStore store(config.sync.state_dir);
  store.remove_request(list.name, "pin");
  if (!wait_for([&] { return store.load(list.name).pinned == 0; }, wait_seconds)) {
    return not_taken("unpin", wait_seconds);
  }
  std::printf("list %s: unpinned; following the publisher again\n", name.c_str());
  return 0;
}

}  // namespace dnsstop::sync
