// The `sync` section: dnsstop-sync's state, metrics and RPZ outputs (see
// config_sections.h, docs/list-distribution.md).
#include "core/config_sections.h"

namespace dnsstop::config_sections {
namespace {

// Words of a reload command: the program and its arguments.
constexpr std::size_t kMaxReloadCommandWords = 64;

RpzOutputConfig parse_rpz_output(Value value, std::span<const RpzOutputConfig> earlier_outputs) {
  Section section(std::move(value));
  const Value path = section.require("path");
  const auto [zone, command, timeout] = section.find_each({"zone", "reload_command", "reload_timeout_seconds"});
  section.check_keys();

  RpzOutputConfig output;
  output.path = read_path(path, EmptyPath::kRejected);
  for (const RpzOutputConfig& earlier : earlier_outputs) {
    if (earlier.path == output.path) path.fail("another RPZ output writes the same file");
  }
  if (zone) output.zone = read_domain_name(*zone);
  if (command) {
    for (const Value& word :
         command->elements("a sequence of words: the program and its arguments", kMaxReloadCommandWords)) {
      output.reload_command.push_back(read_string(word));
      if (output.reload_command.back().find('\0') != std::string::npos) {
        word.fail("an argument cannot hold a NUL byte");
      }
    }
    if (!output.reload_command.empty() && output.reload_command[0].empty()) {
      command->fail("the program name is empty");
    }
  }
  if (timeout) output.reload_timeout_seconds = read_integer<std::uint32_t>(*timeout, 1, 3600);
  return output;
}

}  // namespace

SyncConfig parse_sync(Value value) {
  Section section(std::move(value));
  const auto [state_dir, metrics_textfile, timeout, metrics_listen, public_suffix_list, keep_versions, write_snapshot,
              rpz_outputs] = section.find_each({"state_dir", "metrics_textfile", "timeout_seconds", "metrics_listen",
                                                "public_suffix_list", "keep_versions", "write_snapshot",
                                                "rpz_outputs"});
  section.check_keys();

  SyncConfig sync;
  if (state_dir) sync.state_dir = read_path(*state_dir, EmptyPath::kRejected);
  if (metrics_textfile) sync.metrics_textfile = read_path(*metrics_textfile, EmptyPath::kMeansOff);
  if (timeout) sync.timeout_seconds = read_integer<std::uint32_t>(*timeout, 1, 3600);
  if (public_suffix_list) sync.public_suffix_list = read_path(*public_suffix_list, EmptyPath::kRejected);
  if (keep_versions) sync.keep_versions = read_integer<std::uint32_t>(*keep_versions, 1, 100);
  if (metrics_listen) sync.metrics_listen = read_listen_addresses(*metrics_listen, ListenScope::kLoopback);
  if (rpz_outputs) {
    for (const Value& element : rpz_outputs->elements("a sequence of RPZ outputs", kMaxRpzOutputs)) {
      sync.rpz_outputs.push_back(parse_rpz_output(element, sync.rpz_outputs));
    }
  }
  if (write_snapshot) {
    sync.write_snapshot = read_bool(*write_snapshot);
    if (!sync.write_snapshot && sync.rpz_outputs.empty()) {
      write_snapshot->fail("with no snapshot and no rpz_outputs, dnsstop-sync would write nothing");
    }
  }
  return sync;
}

}  // namespace dnsstop::config_sections
