// `dnsstop compile`: parse list files, report their problems, apply the guard rails
// dnsstop-sync applies (core/update_rules.h: protected names, public suffixes), write
// one snapshot. There is no version in force to hold a change against, so what
// dnsstop-sync would hold for approval is refused here unless the operator accepts it.
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/config.h"
#include "core/file_io.h"
#include "core/list_parser.h"
#include "core/public_suffix.h"
#include "core/snapshot_builder.h"
#include "core/snapshot_file.h"
#include "core/update_rules.h"

namespace dnsstop::cli {
namespace {

struct ListArgument {
  std::string name;
  Action action = Action::kStoppage;
  std::string path;
};

std::string base_name_without_extension(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.find('.');
  if (dot != 0 && dot != std::string::npos) base.resize(dot);
  return base;
}

// FILE, NAME=FILE or NAME:ACTION=FILE.
ListArgument parse_list_argument(std::string_view text) {
  ListArgument list;
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    list.path = std::string(text);
    list.name = base_name_without_extension(list.path);
    return list;
  }
  std::string_view name = text.substr(0, equals);
  list.path = std::string(text.substr(equals + 1));
  if (const std::size_t colon = name.find(':'); colon != std::string_view::npos) {
    const std::string_view action_text = name.substr(colon + 1);
    const auto action = parse_action(action_text);
    if (!action || *action == Action::kAllow) {
      throw std::invalid_argument("unknown block action '" + std::string(action_text) +
                                  "' (stoppage, nxdomain or nodata; use --allow for allowlists)");
    }
    list.action = *action;
    name = name.substr(0, colon);
  }
  list.name = std::string(name);
  return list;
}

// Every configured list, from the file its `file:` key names.
std::vector<ListArgument> lists_from_config(const Config& config) {
  std::vector<ListArgument> lists;
  for (const ListConfig& list : config.lists) {
    if (list.file.empty()) {
      throw std::invalid_argument(config.source + ": list " + list.name +
                                  " has no file: key, so it cannot be compiled from the configuration");
    }
    lists.push_back({list.name, list.action, list.file});
  }
  return lists;
}

}  // namespace

int compile_command(const CompileOptions& options) {
  std::string output = options.output;
  std::vector<ListArgument> list_arguments;
  ProtectedNames protected_names;
  std::string public_suffix_path(kDebianPublicSuffixList);
  const bool accept_public_suffixes = options.accept_public_suffixes;
  const std::uint64_t created_unix = options.created_unix.value_or(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()));
  if (!options.config.empty()) {
    const Config config = load_config(options.config);
    if (output.empty()) output = config.snapshot.path;
    protected_names = config.protected_names;
    public_suffix_path = config.sync.public_suffix_list;
    list_arguments = lists_from_config(config);
  }
  for (const std::string& list : options.lists) list_arguments.push_back(parse_list_argument(list));
  for (const std::string& path : options.allow) {
    list_arguments.push_back({base_name_without_extension(path), Action::kAllow, path});
  }
  if (output.empty()) throw std::invalid_argument("missing -o OUT.snap");
  if (list_arguments.empty()) throw std::invalid_argument("no list given");

  std::vector<ParsedList> parsed;
  std::vector<std::string> texts;
  parsed.reserve(list_arguments.size());
  std::size_t total_skipped = 0;
  for (const ListArgument& list : list_arguments) {
    texts.push_back(read_whole_file(list.path, kMaxListFileBytes));
    parsed.push_back(parse_list(texts.back(), list.path));
    const ParsedList& result = parsed.back();
    for (const std::string& problem : result.problems) std::fprintf(stderr, "%s\n", problem.c_str());
    if (result.skipped_lines > result.problems.size()) {
      std::fprintf(stderr, "%s: %zu more problems not shown\n", list.path.c_str(),
                   result.skipped_lines - result.problems.size());
    }
    std::printf("%s: list %s (%s): %zu entries, %zu lines skipped (%zu URLs with a path)\n", list.path.c_str(),
                list.name.c_str(), std::string(action_name(list.action)).c_str(), result.entries.size(),
                result.skipped_lines, result.url_path_lines);
    total_skipped += result.skipped_lines;
  }

  const PublicSuffixList psl = PublicSuffixList::load_file(public_suffix_path);
  bool refused = false;
  for (std::size_t i = 0; i < list_arguments.size(); ++i) {
    RuleResult failure;
    if (list_arguments[i].action != Action::kAllow) failure = check_protected(parsed[i].entries, protected_names);
    if (!failure && !accept_public_suffixes) failure = check_public_suffixes(parsed[i].entries, texts[i], psl);
    if (failure) {
      std::fprintf(stderr, "%s: list %s refused (%s): %s\n", list_arguments[i].path.c_str(),
                   list_arguments[i].name.c_str(), std::string(reason_name(failure->reason)).c_str(),
                   failure->detail.c_str());
      refused = true;
    }
  }
  if (refused) {
    std::fprintf(stderr, "%s: not written%s\n", output.c_str(),
                 accept_public_suffixes ? "" : " (--accept-public-suffixes compiles public-suffix entries anyway)");
    return kExitFailure;
  }

  std::vector<ListInput> inputs;
  for (std::size_t i = 0; i < list_arguments.size(); ++i) {
    inputs.push_back({list_arguments[i].name, list_arguments[i].action, 0, 0, parsed[i].entries});
  }
  const std::vector<std::uint8_t> snapshot = build_snapshot(inputs, created_unix);
  write_file_atomically(output, snapshot);
  std::printf("%s: wrote %zu bytes, %zu lines skipped in all\n", output.c_str(), snapshot.size(), total_skipped);
  return kExitOk;
}

}  // namespace dnsstop::cli
