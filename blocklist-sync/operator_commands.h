// The operator's commands of dnsstop-sync: `status` reads the state directory;
// `approve`, `pin` and `unpin` leave a request there (NAME.approve, NAME.pin) for the
// running daemon, which carries it out within a second and journals it, then wait
// for it to be done. The daemon stays the only writer of the state, so a command
// never races a sync round. A pin lasts until unpin, across restarts.
//
// Called from dnsstop-sync's main thread; each command reads a few small files and
// waits at most `wait_seconds`.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.h"

namespace dnsstop::sync {

// Exit codes: 0 done, 1 refused (the message says why), 3 requested but the daemon
// did not take it within wait_seconds (it will when it runs).
inline constexpr int kExitNotTakenYet = 3;

// Prints every list: serial in force, newest accepted, kept serials, held version
// with its reason, pin, pending requests.
int print_status(const Config& config);
int request_approve(const Config& config, const std::string& list, std::uint64_t serial, std::uint32_t wait_seconds);
int request_pin(const Config& config, const std::string& list, std::uint64_t serial, std::uint32_t wait_seconds);
int request_unpin(const Config& config, const std::string& list, std::uint32_t wait_seconds);

}  // namespace dnsstop::sync
