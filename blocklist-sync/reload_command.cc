// posix_spawnp in a process group of its own, its output read through a pipe with
// poll() until the deadline, then SIGKILL to the group.
#include "blocklist-sync/reload_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace dnsstop::sync {
namespace {

constexpr std::size_t kKeptOutputBytes = 4096;

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

const char* result_name(ReloadOutcome::Result result) {
  switch (result) {
    case ReloadOutcome::Result::kOk: return "ok";
    case ReloadOutcome::Result::kFailed: return "failed";
    case ReloadOutcome::Result::kTimedOut: return "timeout";
  }
  return "failed";
}

ReloadOutcome run_reload_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ReloadOutcome outcome;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    outcome.detail = std::string("cannot create a pipe: ") + std::strerror(errno);
    return outcome;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<char*> args;
  for (const std::string& word : argv) args.push_back(const_cast<char*>(word.c_str()));
  args.push_back(nullptr);
  pid_t child = -1;
  const int spawn_error = ::posix_spawnp(&child, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(out[1]);
  if (spawn_error != 0) {
    ::close(out[0]);
    outcome.detail = "cannot start " + argv[0] + ": " + std::strerror(spawn_error);
    return outcome;
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd readable{out[0], POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;  // the deadline is checked above
    char buffer[4096];
    const ssize_t got = ::read(out[0], buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // end of output: every holder of the pipe exited or closed it
    outcome.output.append(buffer, static_cast<std::size_t>(got));
    if (outcome.output.size() > kKeptOutputBytes) outcome.output.erase(0, outcome.output.size() - kKeptOutputBytes);
  }
  ::close(out[0]);
  if (timed_out) ::kill(-child, SIGKILL);
  int status = 0;
  // Output closed before the deadline: the command is exiting; a child that closed its
  // output and runs on is waited for until the deadline, then killed.
  while (!timed_out) {
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (done < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      ::kill(-child, SIGKILL);
      break;
    }
    ::usleep(10000);
  }
  if (timed_out) {
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    outcome.result = ReloadOutcome::Result::kTimedOut;
    outcome.detail = "killed after " + std::to_string(timeout.count()) + " ms";
    return outcome;
  }
  outcome.detail = describe_status(status);
  outcome.result = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ReloadOutcome::Result::kOk
                                                                  : ReloadOutcome::Result::kFailed;
  while (!outcome.output.empty() && (outcome.output.back() == '\n' || outcome.output.back() == '\r')) {
    outcome.output.pop_back();
  }
  return outcome;
}

}  // namespace dnsstop::sync
