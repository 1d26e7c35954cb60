// The operator's one configuration file (YAML; every key is described in
// docs/configuration.md, etc/dnsstop.yaml is the commented example). Each program
// reads the sections it needs from the same Config: the Unbound module now; the
// sync daemon (`sync`) and the stop-page server (`stoppage`) in later versions.
//
// Called at startup and on reload (the module's init, the CLI), never from a DNS
// worker: load_config reads a file. parse_config is pure and may run on any thread;
// it costs O(size of the text), which is capped at kMaxConfigBytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/action.h"

namespace dnsstop {

// A configuration is a few kilobytes; the cap bounds parse time and memory when the
// path names something else by mistake (a list file, /dev/zero).
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

// RFC 8914 INFO-CODEs an operator will want. 16 is the default for every block list.
inline constexpr std::uint16_t kEdeBlocked = 15;   // the operator's own policy
inline constexpr std::uint16_t kEdeCensored = 16;  // an authority's order
inline constexpr std::size_t kMaxEdeTextBytes = 64;

// A stop page needs one or two addresses; the cap keeps synthesised answers small.
inline constexpr std::size_t kMaxStoppageAddressesPerFamily = 8;

struct ListConfig {
  std::string name;  // 1-32 of [A-Za-z0-9._-], unique among the lists
  Action action = Action::kStoppage;
  // Sent with every answer the list blocks. 16 unless configured (15 suits the
  // operator's own lists); 0 for allow lists, which send no EDE.
  std::uint16_t ede_code = kEdeCensored;
  std::string ede_text;  // at most 64 bytes of printable ASCII
  std::string file;      // local list file; "" when the list has none
};

struct SnapshotConfig {
  std::string path = "/var/lib/dnsstop/current.snap";
  // What the module answers while no snapshot could be loaded at all.
  enum class WhenMissing { kResolve, kServfail } when_missing = WhenMissing::kResolve;
  std::uint32_t check_interval_ms = 500;  // 50..60000
};

struct AnswerConfig {
  // At least one address (of either family) when any list has action stoppage.
  std::vector<std::array<std::uint8_t, 4>> stoppage_ipv4;
  std::vector<std::array<std::uint8_t, 16>> stoppage_ipv6;
  std::uint32_t ttl = 300;  // 0..86400; also the SOA minimum of synthesised negative answers
  std::string soa_mname = "dnsstop.invalid";             // canonical (core/name.h)
  std::string soa_rname = "hostmaster.dnsstop.invalid";  // canonical (core/name.h)
};

struct MetricsConfig {
  std::string textfile;  // Prometheus textfile for node_exporter; "" = no metrics file
  std::uint32_t interval_seconds = 5;  // 1..3600
};

struct Config {
  std::string source;  // the path the configuration was read from
  SnapshotConfig snapshot;
  AnswerConfig answers;
  std::vector<ListConfig> lists;  // in configuration order, which breaks ties; at most 15
  MetricsConfig metrics;
  bool log_queried_names = false;  // privacy: names stay out of logs unless asked for
};

// what() is "FILE:LINE:COLUMN: KEY: what is wrong", KEY a dotted path such as
// lists[2].ede_code. Errors about no key in particular (YAML syntax) leave out
// "KEY: "; errors about the whole file (unreadable, too large, empty) also leave out
// LINE:COLUMN. Line and column count from 1.
class ConfigError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

// `source` names the text in error messages (normally its path) and becomes
// Config::source. Throws ConfigError at the first problem found.
Config parse_config(std::string_view yaml_text, std::string_view source);

// Reads the file (at most kMaxConfigBytes) and parses it. Throws ConfigError, naming
// the path, when the file cannot be read or is not a valid configuration.
Config load_config(const std::string& path);

}  // namespace dnsstop
