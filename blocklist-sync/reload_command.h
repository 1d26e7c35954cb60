// Runs the operator's reload command after dnsstop-sync wrote an RPZ zone (for
// example `rndc reload dnsstop.rpz`): without a shell, with a timeout after which its
// whole process group is killed, its output kept for the log.
//
// Called from dnsstop-sync's one sync thread; blocks for as long as the command runs,
// at most the timeout.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace dnsstop::sync {

struct ReloadOutcome {
  enum class Result { kOk, kFailed, kTimedOut } result = Result::kFailed;
  std::string detail;  // "exit status 1", "killed by signal 9", "cannot start: ..."
  std::string output;  // its stdout and stderr, the last 4 KiB
};

// The label metrics and logs use for a result: "ok", "failed", "timeout".
const char* result_name(ReloadOutcome::Result result);

ReloadOutcome run_reload_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace dnsstop::sync
