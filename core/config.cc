// parse_config and load_config: the top level of the configuration file, read with
// core/config_reader.h, each section by its parser in core/config_sections.h.
#include "core/config.h"

#include <system_error>

#include "core/config_reader.h"
#include "core/config_sections.h"
#include "core/file_io.h"

namespace dnsstop {

Config parse_config(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = config_reader::load_document(yaml_text, source);
  config_reader::Section top_level(config_reader::Value(source, root, "", root.Mark()));
  const auto [snapshot, answers, lists, metrics, log_queried_names, protected_names, sync, stoppage] =
      top_level.find_each({"snapshot", "answers", "lists", "metrics", "log_queried_names", "protected_names", "sync",
                           "stoppage"});
  if (root.IsNull()) {
    config_reader::fail(source, YAML::Mark::null_mark(), "",
                        "the file holds no settings; expected " + top_level.expected());
  }
  top_level.check_keys();

  using namespace config_sections;
  Config config;
  config.source = source;
  if (snapshot) config.snapshot = parse_snapshot(*snapshot);
  // Before the lists, which check that a stoppage list has addresses to answer with.
  if (answers) config.answers = parse_answers(*answers);
  if (lists) config.lists = parse_lists(*lists, config.answers);
  if (metrics) config.metrics = parse_metrics(*metrics);
  if (log_queried_names) config.log_queried_names = read_bool(*log_queried_names);
  if (protected_names) config.protected_names = parse_protected_names(*protected_names);
  if (stoppage) config.stoppage = parse_stoppage(*stoppage);
  if (sync) config.sync = parse_sync(*sync);
  return config;
}

Config load_config(const std::string& path) {
  std::string text;
  try {
    text = read_whole_file(path, kMaxConfigBytes);
  } catch (const FileError& error) {
    if (error.code() == std::errc::file_too_large) config_reader::fail_too_large(path);
    throw ConfigError(error.what());
  }
  return parse_config(text, path);
}

}  // namespace dnsstop
