// `dnsstop history`: reads dnsstop-sync's journals (core/journal.h) and says since
// when, by which list and serial, and signed by whom a name is blocked, or lists the
// versions of one list.
#include <time.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/config.h"
#include "core/file_io.h"
#include "core/journal.h"
#include "core/name.h"

namespace dnsstop::cli {
namespace {

// A journal grows by the lines each version changes; this bounds what is read.
constexpr std::size_t kMaxJournalBytes = std::size_t{4} << 30;

std::string utc_time(std::uint64_t unix_time) {
  const auto seconds = static_cast<time_t>(unix_time);
  tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

std::string signers_text(const JournalRecord& record) {
  std::string text;
  for (const std::string& signer : record.signers) text += (text.empty() ? "" : ", ") + signer;
  return text.empty() ? "-" : text;
}

std::optional<std::vector<JournalRecord>> read_journal(const Config& config, const ListConfig& list) {
  const std::string path = journal_path(config.sync.state_dir, list.name);
  const std::optional<std::string> text = read_file_if_present(path, kMaxJournalBytes);
  if (!text) return std::nullopt;
  return parse_journal(*text, path);
}

int list_history(const Config& config, const std::string& list_name) {
  for (const ListConfig& list : config.lists) {
    if (list.name != list_name) continue;
    const auto records = read_journal(config, list);
    if (!records) {
      std::printf("list %s: no journal yet in %s\n", list.name.c_str(), config.sync.state_dir.c_str());
      return kExitOk;
    }
    for (const JournalRecord& record : *records) {
      std::printf("%s  serial %llu  %s%s  +%llu -%llu  signed by %s%s  %s\n", utc_time(record.time_unix).c_str(),
                  static_cast<unsigned long long>(record.serial), std::string(decision_name(record.decision)).c_str(),
                  record.reason ? (" (" + std::string(reason_name(*record.reason)) + ")").c_str() : "",
                  static_cast<unsigned long long>(record.added_count),
                  static_cast<unsigned long long>(record.removed_count), signers_text(record).c_str(),
                  record.psl_version.empty() ? "" : ("  psl " + record.psl_version).c_str(), record.why.c_str());
    }
    return kExitOk;
  }
  throw std::invalid_argument("no list " + list_name + " in " + config.source);
}

int name_history_of(const Config& config, const std::string& input) {
  const NormalizedName name = normalize_name(input);
  if (!name.ok()) throw std::invalid_argument("'" + input + "': " + name.error);
  bool blocked_now = false;
  bool any = false;
  for (const ListConfig& list : config.lists) {
    const auto records = read_journal(config, list);
    if (!records) continue;
    std::vector<std::string> in_force;  // covering lines in force after the last event
    for (const NameEvent& event : name_history(*records, name.name)) {
      any = true;
      const JournalRecord& record = *event.record;
      std::printf("%s  list %s serial %llu (%s, signed by %s): %s %s\n", utc_time(record.time_unix).c_str(),
                  list.name.c_str(), static_cast<unsigned long long>(record.serial),
                  std::string(decision_name(record.decision)).c_str(), signers_text(record).c_str(),
                  event.added ? "added" : "removed", event.line.c_str());
      if (event.added) {
        in_force.push_back(event.line);
      } else {
        std::erase(in_force, event.line);
      }
    }
    if (!in_force.empty()) {
      blocked_now = true;
      std::printf("%s is blocked now by list %s (%s)\n", name.name.c_str(), list.name.c_str(),
                  in_force.front().c_str());
    }
  }
  if (!any) std::printf("%s: no list version in the journals ever covered it\n", name.name.c_str());
  else if (!blocked_now) std::printf("%s is not blocked now by any fetched list\n", name.name.c_str());
  return kExitOk;
}

}  // namespace

int history_command(const HistoryOptions& options) {
  if (options.list.empty() == options.name.empty()) throw std::invalid_argument("give a NAME or --list LIST");
  const Config config = load_config(options.config);
  return options.list.empty() ? name_history_of(config, options.name) : list_history(config, options.list);
}

}  // namespace dnsstop::cli
