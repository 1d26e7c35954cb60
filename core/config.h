// The operator's one configuration file (YAML; every key is described in
// docs/configuration.md, etc/dnsstop.yaml is the commented example). Each program
// reads the sections it needs from the same Config: the Unbound module and the CLI
// (snapshot, answers, lists, metrics, protected_names), dnsstop-sync (lists, sync)
// and the stop-page server (stoppage). The reading machinery is in
// core/config_reader.h, one parser per section in core/config_sections.h.
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
#include "core/address_port.h"
#include "core/public_suffix.h"
#include "core/update_rules.h"

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

// Where dnsstop-sync fetches a list (docs/list-distribution.md). No url: the list is
// the local `file`, which the operator maintains.
struct ListSourceConfig {
  std::string url;  // the manifest's https:// URL; "" = none
  std::vector<std::string> public_keys;  // minisign public keys (base64 lines); required with url
  std::string ca_file;      // CA bundle for the server's certificate; "" = the system's
  std::string client_cert;  // PEM client certificate for mutual TLS; "" = none
  std::string client_key;   // its PEM key; required with client_cert
  std::uint32_t poll_seconds = 300;              // 1..86400
  std::uint64_t max_bytes = std::uint64_t{256} << 20;  // per download, 1024..4294967296
  std::uint32_t max_skipped_percent = 1;         // share of list lines that may fail to parse, 0..100
  bool allow_plain_http = false;                 // tests only: accept http:// URLs
  // Distinct public_keys whose signatures a manifest needs (two-person rule); 1..keys.
  std::uint32_t required_signatures = 1;
  ChangeBounds change_bounds;  // a version moving further from the one in force is held
};

struct ListConfig {
  std::string name;  // 1-32 of [A-Za-z0-9._-], unique among the lists
  Action action = Action::kStoppage;
  // Sent with every answer the list blocks. 16 unless configured (15 suits the
  // operator's own lists); 0 for allow lists, which send no EDE.
  std::uint16_t ede_code = kEdeCensored;
  std::string ede_text;  // at most 64 bytes of printable ASCII
  std::string file;      // local list file; "" when the list has none
  ListSourceConfig source;  // signed distribution; read by dnsstop-sync only
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

// The stop-page server (stoppage/, docs/stoppage.md). The module reads none of it.
using ListenAddress = AddressPort;  // where a server listens

struct StoppageConfig {
  // kStopPage: every name shows the stop page, the check host "your operator blocks".
  // kPublicCheck: the public check site, hosted where the check domain really
  // resolves, says "your operator does NOT block".
  enum class Mode { kStopPage, kPublicCheck } mode = Mode::kStopPage;
  std::vector<ListenAddress> http_listen;   // empty: the server refuses to start
  std::vector<ListenAddress> https_listen;  // empty: no HTTPS
  std::string tls_certificate;              // PEM, required with https_listen
  std::string tls_key;                      // PEM, required with https_listen
  std::string operator_name;                // shown on every page; required to start
  std::string blocked_by_url;  // RFC 7725 Link rel="blocked-by"; http(s) URL, required to start
  std::string hotline_url;     // where to report abuse material; http(s) URL
  std::string help_url;        // help for people worried about their own thoughts; http(s) URL
  std::string complaint_url;   // "think this site is wrongly blocked?"; http(s) URL, "" = none
  std::string default_language = "sv";  // sv or en: when Accept-Language names neither
  std::string check_host;               // canonical name (core/name.h); "" = no check host
  std::string template_dir = "/etc/dnsstop/stoppage";
  std::uint32_t max_connections = 4096;         // per listen address; 1..1000000
  std::uint32_t idle_timeout_seconds = 10;      // 1..3600
  std::uint32_t connection_memory_bytes = 16384;  // request line + headers; 4096..1048576
  std::uint32_t threads = 2;                    // per listen address; 1..256
  std::vector<ListenAddress> metrics_listen;    // loopback only; empty: no metrics
};

// One RPZ zone dnsstop-sync writes for resolvers without the module (core/rpz_zone.h,
// docs/other-resolvers.md), and how the resolver is told to reload it.
struct RpzOutputConfig {
  std::string path;                 // the zone file, replaced atomically; required
  std::string zone = "dnsstop.rpz";  // the zone's name (canonical), as the resolver knows it
  std::vector<std::string> reload_command;  // argv, run without a shell after each write; empty: none
  std::uint32_t reload_timeout_seconds = 30;  // 1..3600; then the command is killed
};

inline constexpr std::size_t kMaxRpzOutputs = 8;

// dnsstop-sync's own settings (docs/list-distribution.md).
struct SyncConfig {
  std::string state_dir = "/var/lib/dnsstop/sync";  // accepted lists and serials
  std::string metrics_textfile;  // Prometheus textfile; "" = none
  std::uint32_t timeout_seconds = 60;  // per download, 1..3600
  std::vector<ListenAddress> metrics_listen;  // Prometheus over HTTP, loopback only; empty: none
  std::string public_suffix_list{kDebianPublicSuffixList};  // the PSL file the guard rails read
  std::uint32_t keep_versions = 5;  // accepted versions kept per list for `pin`, 1..100
  bool write_snapshot = true;  // false: RPZ outputs only (no module to read a snapshot)
  std::vector<RpzOutputConfig> rpz_outputs;  // at most kMaxRpzOutputs
};

struct Config {
  std::string source;  // the path the configuration was read from
  SnapshotConfig snapshot;
  AnswerConfig answers;
  std::vector<ListConfig> lists;  // in configuration order, which breaks ties; at most 15
  MetricsConfig metrics;
  bool log_queried_names = false;  // privacy: names stay out of logs unless asked for
  // Names no list may block (canonical, sorted, unique): dnsstop-sync refuses a version
  // that blocks one, and the module never blocks one, whatever its CNAME chain.
  ProtectedNames protected_names;
  StoppageConfig stoppage;
  SyncConfig sync;
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
