// The section parsers of the configuration file, one per top-level key, for
// parse_config (core/config.cc). Each reads its keys with core/config_reader.h and
// checks what only its section knows; docs/configuration.md describes every key.
//
// Pure; any thread; O(size of the section). Each throws ConfigError at the first
// problem.
#pragma once

#include <vector>

#include "core/config.h"
#include "core/config_reader.h"

namespace dnsstop::config_sections {

// The parsers speak the reader's terms: Value, Section, read_*.
using namespace config_reader;

// What the Unbound module reads (config_module.cc).
SnapshotConfig parse_snapshot(Value value);
AnswerConfig parse_answers(Value value);
MetricsConfig parse_metrics(Value value);
ProtectedNames parse_protected_names(const Value& value);

// The block and allow lists (config_lists.cc). `answers` tells whether a stoppage
// list has an address to answer with.
std::vector<ListConfig> parse_lists(const Value& value, const AnswerConfig& answers);

// The stop-page server (config_stoppage.cc) and dnsstop-sync (config_sync.cc).
StoppageConfig parse_stoppage(Value value);
SyncConfig parse_sync(Value value);

}  // namespace dnsstop::config_sections
