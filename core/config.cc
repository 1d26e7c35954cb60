// Parsing the configuration file. yaml-cpp builds the document tree; one function
// per section then walks it with a few typed readers (integer in a range, string,
// keyword, address, ...) that check each value and, when it is wrong, throw a
// ConfigError naming the file, line, column and dotted key.
#include "core/config.h"

#include <arpa/inet.h>  // inet_pton: parses text, opens no socket
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <concepts>
#include <cstdio>
#include <optional>
#include <span>
#include <sstream>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "core/address_port.h"
#include "core/file_io.h"
#include "core/list_name.h"
#include "core/minisign.h"
#include "core/name.h"
#include "core/printable.h"
#include "core/snapshot_format.h"

namespace dnsstop {
namespace {

using snapshot_format::kMaxLists;

// A key from the file shown in a message is cut to this many characters, so a
// message stays one readable line whatever the file holds.
constexpr std::size_t kMaxKeyChars = 40;

constexpr std::string_view kTopLevelKeys[] = {
    "snapshot", "answers", "lists", "metrics", "log_queried_names", "protected_names", "sync", "stoppage"};
constexpr std::string_view kSnapshotKeys[] = {"path", "when_missing", "check_interval_ms"};
constexpr std::string_view kAnswerKeys[] = {"stoppage_ipv4", "stoppage_ipv6", "ttl", "soa_mname",
                                            "soa_rname"};
constexpr std::string_view kListKeys[] = {
    "name",        "action",      "ede_code",   "ede_text",     "file",      "url",
    "public_keys", "ca_file",     "client_cert", "client_key", "poll_seconds", "max_bytes",
    "max_skipped_percent", "allow_plain_http", "required_signatures", "max_added", "max_added_percent",
    "max_removed", "max_removed_percent"};
constexpr std::string_view kSyncKeys[] = {"state_dir", "metrics_textfile", "timeout_seconds",
                                          "metrics_listen", "public_suffix_list", "keep_versions",
                                          "write_snapshot", "rpz_outputs"};
constexpr std::string_view kRpzOutputKeys[] = {"path", "zone", "reload_command", "reload_timeout_seconds"};
constexpr std::string_view kMetricsKeys[] = {"textfile", "interval_seconds"};
constexpr std::string_view kStoppageKeys[] = {
    "mode",          "http_listen",     "https_listen",          "tls_certificate",
    "tls_key",       "operator_name",   "blocked_by_url",        "hotline_url",
    "help_url",      "complaint_url",   "default_language", "check_host",       "template_dir",
    "max_connections", "idle_timeout_seconds", "connection_memory_bytes", "threads",
    "metrics_listen"};

template <typename Enum>
struct Keyword {
  std::string_view name;
  Enum value;
};

constexpr Keyword<SnapshotConfig::WhenMissing> kWhenMissingKeywords[] = {
    {"resolve", SnapshotConfig::WhenMissing::kResolve},
    {"servfail", SnapshotConfig::WhenMissing::kServfail},
};
constexpr Keyword<StoppageConfig::Mode> kStoppageModeKeywords[] = {
    {"stop_page", StoppageConfig::Mode::kStopPage},
    {"public_check", StoppageConfig::Mode::kPublicCheck},
};
constexpr Keyword<std::string_view> kLanguageKeywords[] = {{"sv", "sv"}, {"en", "en"}};
constexpr Keyword<Action> kActionKeywords[] = {
    {action_name(Action::kStoppage), Action::kStoppage},
    {action_name(Action::kNxdomain), Action::kNxdomain},
    {action_name(Action::kNodata), Action::kNodata},
    {action_name(Action::kAllow), Action::kAllow},
};

YAML::Mark mark_at(std::size_t line, std::size_t column) {
  YAML::Mark mark;
  mark.line = static_cast<int>(line);
  mark.column = static_cast<int>(column);
  return mark;
}

// The one place messages are formatted; see ConfigError for the shape.
[[noreturn]] void fail(std::string_view source, const YAML::Mark& mark, std::string_view key,
                       std::string_view what) {
  std::string message(source);
  if (!mark.is_null()) {
    message += ':' + std::to_string(mark.line + 1) + ':' + std::to_string(mark.column + 1);
  }
  message += ": ";
  if (!key.empty()) {
    message += key;
    message += ": ";
  }
  message += what;
  throw ConfigError(message);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return in_quotes(node.Scalar());
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    default: return "no value";
  }
}

std::string join(std::span<const std::string_view> words) {
  std::string joined;
  for (const std::string_view word : words) {
    if (!joined.empty()) joined += ", ";
    joined += word;
  }
  return joined;
}

// A node of the document with its dotted key path and the place errors about it
// point to.
struct Value {
  // `fallback` is used when the node has no useful position of its own: yaml-cpp
  // places an empty value ("ttl:" and nothing) at the next token, often the next line.
  Value(std::string_view source_name, YAML::Node yaml, std::string key_path,
        const YAML::Mark& fallback)
      : source(source_name),
        node(std::move(yaml)),
        key(std::move(key_path)),
        mark(node.IsNull() || node.Mark().is_null() ? fallback : node.Mark()) {}

  std::string_view source;
  YAML::Node node;
  std::string key;
  YAML::Mark mark;

  [[noreturn]] void fail(std::string_view what) const { dnsstop::fail(source, mark, key, what); }
  [[noreturn]] void fail_expected(std::string_view expected) const {
    fail("expected " + std::string(expected) + ", found " + describe(node));
  }
  std::string child_key(std::string_view child) const {
    return key.empty() ? std::string(child) : key + '.' + std::string(child);
  }

  // The elements of a sequence; an empty value reads as an empty sequence.
  std::vector<Value> elements(std::string_view expected, std::size_t max_count) const {
    if (node.IsNull()) return {};
    if (!node.IsSequence()) fail_expected(expected);
    std::vector<Value> result;
    for (const YAML::Node& element : node) {
      Value value(source, element, key + '[' + std::to_string(result.size()) + ']', mark);
      if (result.size() == max_count) {
        value.fail("one entry too many; at most " + std::to_string(max_count) + " are allowed");
      }
      result.push_back(std::move(value));
    }
    return result;
  }
};

// A mapping whose keys have all been checked: each one known, none repeated. An
// empty value (a section whose keys are all commented out) reads as an empty mapping.
class Mapping {
 public:
  Mapping(const Value& value, std::span<const std::string_view> known_keys) : value_(value) {
    if (value.node.IsNull()) return;
    if (!value.node.IsMap()) value.fail_expected("a mapping with keys " + join(known_keys));
    for (const auto& entry : value.node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        dnsstop::fail(value.source, key.Mark(), value.key, "keys must be plain names");
      }
      const auto known = std::find(known_keys.begin(), known_keys.end(), key.Scalar());
      const std::string key_path = value.child_key(printable(key.Scalar(), kMaxKeyChars));
      if (known == known_keys.end()) {
        dnsstop::fail(value.source, key.Mark(), key_path,
                      "unknown key; expected one of " + join(known_keys));
      }
      if (const Entry* const earlier = find_entry(*known)) {
        dnsstop::fail(
            value.source, key.Mark(), key_path,
            "duplicate key (first at line " + std::to_string(earlier->key_mark.line + 1) + ')');
      }
      entries_.push_back(
          {*known, key.Mark(), Value(value.source, entry.second, key_path, key.Mark())});
    }
  }

  std::optional<Value> find(std::string_view key) const {
    const Entry* const entry = find_entry(key);
    if (entry == nullptr) return std::nullopt;
    return entry->value;
  }

  Value require(std::string_view key) const {
    auto value = find(key);
    if (!value)
      dnsstop::fail(value_.source, value_.mark, value_.child_key(key), "required key is missing");
    return *std::move(value);
  }

 private:
  struct Entry {
    std::string_view key;  // one of known_keys
    YAML::Mark key_mark;
    Value value;
  };

  const Entry* find_entry(std::string_view key) const {
    const auto entry = std::find_if(entries_.begin(), entries_.end(),
                                    [&](const Entry& candidate) { return candidate.key == key; });
    return entry == entries_.end() ? nullptr : &*entry;
  }

  Value value_;
  std::vector<Entry> entries_;  // at most one per known key, so lookups stay trivial
};

std::string read_string(const Value& value) {
  if (!value.node.IsScalar()) value.fail_expected("a string");
  return value.node.Scalar();
}

bool read_bool(const Value& value) {
  if (value.node.IsScalar() && value.node.Scalar() == "true") return true;
  if (value.node.IsScalar() && value.node.Scalar() == "false") return false;
  value.fail_expected("true or false");
}

// Plain decimal only: YAML 1.1 readers take a leading zero as octal and "0x" as hex,
// so such numbers would mean different things to different tools.
template <std::unsigned_integral Integer>
Integer read_integer(const Value& value, Integer min, Integer max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (!value.node.IsScalar()) value.fail_expected("an integer " + range);
  const std::string& text = value.node.Scalar();
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  const bool plain_decimal =
      end == text.data() + text.size() && !(text.size() > 1 && text[0] == '0');
  if (error == std::errc::invalid_argument || !plain_decimal)
    value.fail_expected("an integer " + range);
  if (error == std::errc::result_out_of_range || std::cmp_less(number, min) ||
      std::cmp_greater(number, max)) {
    value.fail(in_quotes(text) + " is out of range " + range);
  }
  return static_cast<Integer>(number);
}

template <typename Enum>
Enum read_keyword(const Value& value, std::span<const Keyword<Enum>> keywords) {
  const auto matches = [&](const Keyword<Enum>& keyword) {
    return value.node.IsScalar() && keyword.name == value.node.Scalar();
  };
  const auto keyword = std::find_if(keywords.begin(), keywords.end(), matches);
  if (keyword != keywords.end()) return keyword->value;
  std::vector<std::string_view> names;
  for (const Keyword<Enum>& candidate : keywords) names.push_back(candidate.name);
  value.fail_expected("one of " + join(names));
}

enum class EmptyPath { kRejected, kMeansOff };

std::string read_path(const Value& value, EmptyPath empty) {
  std::string path = read_string(value);
  if (path.empty() && empty == EmptyPath::kRejected) {
    value.fail("must not be empty; leave the key out instead");
  }
  if (path.find('\0') != std::string::npos) value.fail("a path cannot hold a NUL byte");
  return path;
}

std::string read_domain_name(const Value& value) {
  NormalizedName normalized = normalize_name(read_string(value));
  if (!normalized.ok()) value.fail(normalized.error);
  return std::move(normalized.name);
}

template <std::size_t kBytes>
std::array<std::uint8_t, kBytes> read_address(const Value& value) {
  static_assert(kBytes == 4 || kBytes == 16);
  const std::string_view expected =
      kBytes == 4 ? "an IPv4 address such as 192.0.2.80" : "an IPv6 address such as 2001:db8::80";
  std::array<std::uint8_t, kBytes> address{};
  if (!value.node.IsScalar() || ::inet_pton(kBytes == 4 ? AF_INET : AF_INET6,
                                            value.node.Scalar().c_str(), address.data()) != 1) {
    value.fail_expected(expected);
  }
  return address;
}

template <std::size_t kBytes>
std::vector<std::array<std::uint8_t, kBytes>> read_addresses(const Value& value) {
  std::vector<std::array<std::uint8_t, kBytes>> addresses;
  const std::string expected =
      kBytes == 4 ? "a sequence of IPv4 addresses" : "a sequence of IPv6 addresses";
  for (const Value& element : value.elements(expected, kMaxStoppageAddressesPerFamily)) {
    const auto address = read_address<kBytes>(element);
    if (std::find(addresses.begin(), addresses.end(), address) != addresses.end()) {
      element.fail("repeats an earlier address");
    }
    addresses.push_back(address);
  }
  return addresses;
}

// At most this many: each is looked up for every entry of every new version.
constexpr std::size_t kMaxProtectedNames = 10000;

ProtectedNames parse_protected_names(const Value& value) {
  ProtectedNames names;
  std::unordered_set<std::string> seen;
  for (const Value& element : value.elements("a sequence of domain names", kMaxProtectedNames)) {
    std::string name = read_domain_name(element);
    if (!seen.insert(name).second) element.fail("repeats an earlier name");
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

SnapshotConfig parse_snapshot(const Value& value) {
  const Mapping section(value, kSnapshotKeys);
  SnapshotConfig snapshot;
  if (const auto path = section.find("path"))
    snapshot.path = read_path(*path, EmptyPath::kRejected);
  if (const auto when_missing = section.find("when_missing")) {
    snapshot.when_missing =
        read_keyword<SnapshotConfig::WhenMissing>(*when_missing, kWhenMissingKeywords);
  }
  if (const auto interval = section.find("check_interval_ms")) {
    snapshot.check_interval_ms = read_integer<std::uint32_t>(*interval, 50, 60000);
  }
  return snapshot;
}

AnswerConfig parse_answers(const Value& value) {
  const Mapping section(value, kAnswerKeys);
  AnswerConfig answers;
  if (const auto ipv4 = section.find("stoppage_ipv4"))
    answers.stoppage_ipv4 = read_addresses<4>(*ipv4);
  if (const auto ipv6 = section.find("stoppage_ipv6"))
    answers.stoppage_ipv6 = read_addresses<16>(*ipv6);
  if (const auto ttl = section.find("ttl"))
    answers.ttl = read_integer<std::uint32_t>(*ttl, 0, 86400);
  if (const auto mname = section.find("soa_mname")) answers.soa_mname = read_domain_name(*mname);
  if (const auto rname = section.find("soa_rname")) answers.soa_rname = read_domain_name(*rname);
  return answers;
}

std::string read_list_name(const Value& value, std::span<const ListConfig> earlier_lists) {
  std::string name = read_string(value);
  if (!is_valid_list_name(name)) value.fail_expected(std::string(kListNameRule));
  for (std::size_t index = 0; index < earlier_lists.size(); ++index) {
    if (earlier_lists[index].name == name) {
      value.fail(in_quotes(name) + " is already the name of lists[" + std::to_string(index) + ']');
    }
  }
  return name;
}

std::string read_ede_text(const Value& value) {
  std::string text = read_string(value);
  if (text.size() > kMaxEdeTextBytes) {
    value.fail("is " + std::to_string(text.size()) + " bytes; at most " +
               std::to_string(kMaxEdeTextBytes) + " fit in every answer");
  }
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; })) {
    value.fail_expected("printable ASCII text");
  }
  return text;
}

// The keys of a list that tell dnsstop-sync where to fetch it; see ListSourceConfig.
ListSourceConfig parse_list_source(const Mapping& section) {
  ListSourceConfig source;
  const auto url = section.find("url");
  const auto allow_plain_http = section.find("allow_plain_http");
  if (allow_plain_http) source.allow_plain_http = read_bool(*allow_plain_http);
  if (url) {
    source.url = read_string(*url);
    const bool https = source.url.starts_with("https://") && source.url.size() > 8;
    const bool plain = source.url.starts_with("http://") && source.url.size() > 7;
    if (!https && !(plain && source.allow_plain_http)) {
      url->fail_expected("an https:// URL (plain http:// only with allow_plain_http, for tests)");
    }
  }
  const auto keys = section.find("public_keys");
  if (keys) {
    for (const Value& element : keys->elements("a sequence of minisign public keys", 8)) {
      try {
        minisign::parse_public_key(read_string(element));
      } catch (const minisign::FormatError& error) {
        element.fail(error.what());
      }
      source.public_keys.push_back(element.node.Scalar());
    }
  }
  if (url && source.public_keys.empty()) {
    (keys ? *keys : *url).fail("a list fetched from a url needs at least one key in public_keys");
  }
  if (const auto ca = section.find("ca_file")) source.ca_file = read_path(*ca, EmptyPath::kRejected);
  const auto cert = section.find("client_cert");
  const auto key = section.find("client_key");
  if (cert) source.client_cert = read_path(*cert, EmptyPath::kRejected);
  if (key) source.client_key = read_path(*key, EmptyPath::kRejected);
  if (cert && !key) cert->fail("needs client_key too");
  if (key && !cert) key->fail("needs client_cert too");
  if (const auto poll = section.find("poll_seconds"))
    source.poll_seconds = read_integer<std::uint32_t>(*poll, 1, 86400);
  if (const auto max_bytes = section.find("max_bytes"))
    source.max_bytes = read_integer<std::uint64_t>(*max_bytes, 1024, std::uint64_t{1} << 32);
  if (const auto skipped = section.find("max_skipped_percent"))
    source.max_skipped_percent = read_integer<std::uint32_t>(*skipped, 0, 100);
  if (const auto required = section.find("required_signatures")) {
    const auto key_count = static_cast<std::uint32_t>(std::max<std::size_t>(source.public_keys.size(), 1));
    source.required_signatures = read_integer<std::uint32_t>(*required, 1, key_count);
  }
  ChangeBounds& bounds = source.change_bounds;
  if (const auto added = section.find("max_added"))
    bounds.max_added = read_integer<std::uint64_t>(*added, 0, std::uint64_t{1} << 32);
  if (const auto percent = section.find("max_added_percent"))
    bounds.max_added_percent = read_integer<std::uint32_t>(*percent, 0, 100000);
  if (const auto removed = section.find("max_removed"))
    bounds.max_removed = read_integer<std::uint64_t>(*removed, 0, std::uint64_t{1} << 32);
  if (const auto percent = section.find("max_removed_percent"))
    bounds.max_removed_percent = read_integer<std::uint32_t>(*percent, 0, 100);
  return source;
}

ListConfig parse_list(const Value& value, const AnswerConfig& answers,
                      std::span<const ListConfig> earlier_lists) {
  const Mapping section(value, kListKeys);
  ListConfig list;
  list.name = read_list_name(section.require("name"), earlier_lists);
  const Value action = section.require("action");
  list.action = read_keyword<Action>(action, kActionKeywords);
  if (list.action == Action::kAllow) {
    // An exception answers as if dnsstop were absent, so there is no blocking to explain.
    for (const std::string_view ede_key : {"ede_code", "ede_text"}) {
      if (const auto ede = section.find(ede_key)) {
        ede->fail("an allow list sends no extended DNS error; remove this key");
      }
    }
    list.ede_code = 0;
  } else {
    if (const auto code = section.find("ede_code")) {
      list.ede_code = read_integer<std::uint16_t>(*code, 0, 65535);
    }
    if (const auto text = section.find("ede_text")) list.ede_text = read_ede_text(*text);
  }
  if (list.action == Action::kStoppage && answers.stoppage_ipv4.empty() &&
      answers.stoppage_ipv6.empty()) {
    action.fail("stoppage needs an address in answers.stoppage_ipv4 or answers.stoppage_ipv6");
  }
  if (const auto file = section.find("file")) list.file = read_path(*file, EmptyPath::kRejected);
  list.source = parse_list_source(section);
  return list;
}

std::vector<ListConfig> parse_lists(const Value& value, const AnswerConfig& answers) {
  std::vector<ListConfig> lists;
  for (const Value& element : value.elements("a sequence of lists", kMaxLists)) {
    lists.push_back(parse_list(element, answers, lists));
  }
  return lists;
}

MetricsConfig parse_metrics(const Value& value) {
  const Mapping section(value, kMetricsKeys);
  MetricsConfig metrics;
  if (const auto textfile = section.find("textfile")) {
    metrics.textfile = read_path(*textfile, EmptyPath::kMeansOff);
  }
  if (const auto interval = section.find("interval_seconds")) {
    metrics.interval_seconds = read_integer<std::uint32_t>(*interval, 1, 3600);
  }
  return metrics;
}

ListenAddress read_listen_address(const Value& value) {
  const ParsedAddressPort listen = parse_address_port(read_string(value));
  if (!listen.ok()) value.fail_expected("ADDRESS:PORT such as 192.0.2.80:80 or [2001:db8::80]:80");
  return listen.value;
}

std::vector<ListenAddress> read_listen_addresses(const Value& value) {
  std::vector<ListenAddress> addresses;
  for (const Value& element : value.elements("a sequence of ADDRESS:PORT", 16)) {
    ListenAddress listen = read_listen_address(element);
    if (std::find(addresses.begin(), addresses.end(), listen) != addresses.end()) {
      element.fail("repeats an earlier address");
    }
    addresses.push_back(std::move(listen));
  }
  return addresses;
}

// Only http and https URLs of printable ASCII: the URL goes into an HTTP header and
// an HTML attribute, where anything else could break out of either.
std::string read_url(const Value& value) {
  std::string url = read_string(value);
  const bool printable_ascii =
      std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>'; });
  if (!url.empty() && (!printable_ascii || !(url.starts_with("https://") || url.starts_with("http://")))) {
    value.fail("expected an http:// or https:// URL without spaces, quotes or angle brackets, found " +
               describe(value.node));
  }
  return url;
}

StoppageConfig parse_stoppage(const Value& value) {
  const Mapping section(value, kStoppageKeys);
  StoppageConfig stoppage;
  if (const auto mode = section.find("mode"))
    stoppage.mode = read_keyword<StoppageConfig::Mode>(*mode, kStoppageModeKeywords);
  if (const auto http = section.find("http_listen")) stoppage.http_listen = read_listen_addresses(*http);
  if (const auto https = section.find("https_listen")) stoppage.https_listen = read_listen_addresses(*https);
  if (const auto cert = section.find("tls_certificate"))
    stoppage.tls_certificate = read_path(*cert, EmptyPath::kMeansOff);
  if (const auto key = section.find("tls_key")) stoppage.tls_key = read_path(*key, EmptyPath::kMeansOff);
  if (!stoppage.https_listen.empty() && (stoppage.tls_certificate.empty() || stoppage.tls_key.empty())) {
    section.require("https_listen").fail("HTTPS needs stoppage.tls_certificate and stoppage.tls_key");
  }
  if (const auto name = section.find("operator_name")) {
    stoppage.operator_name = read_string(*name);
    if (stoppage.operator_name.size() > 100) name->fail("longer than 100 bytes");
  }
  if (const auto url = section.find("blocked_by_url")) stoppage.blocked_by_url = read_url(*url);
  if (const auto url = section.find("hotline_url")) stoppage.hotline_url = read_url(*url);
  if (const auto url = section.find("help_url")) stoppage.help_url = read_url(*url);
  if (const auto url = section.find("complaint_url")) stoppage.complaint_url = read_url(*url);
  if (const auto language = section.find("default_language"))
    stoppage.default_language = read_keyword<std::string_view>(*language, kLanguageKeywords);
  if (const auto host = section.find("check_host")) {
    if (!host->node.IsScalar() || !host->node.Scalar().empty()) stoppage.check_host = read_domain_name(*host);
  }
  if (const auto dir = section.find("template_dir"))
    stoppage.template_dir = read_path(*dir, EmptyPath::kRejected);
  if (const auto limit = section.find("max_connections"))
    stoppage.max_connections = read_integer<std::uint32_t>(*limit, 1, 1000000);
  if (const auto timeout = section.find("idle_timeout_seconds"))
    stoppage.idle_timeout_seconds = read_integer<std::uint32_t>(*timeout, 1, 3600);
  if (const auto memory = section.find("connection_memory_bytes"))
    stoppage.connection_memory_bytes = read_integer<std::uint32_t>(*memory, 4096, 1048576);
  if (const auto threads = section.find("threads"))
    stoppage.threads = read_integer<std::uint32_t>(*threads, 1, 256);
  if (const auto metrics = section.find("metrics_listen")) {
    stoppage.metrics_listen = read_listen_addresses(*metrics);
    // Counters are for the operator's monitoring, not for the users who reach the page.
    for (const ListenAddress& listen : stoppage.metrics_listen) {
      if (!listen.address.starts_with("127.") && listen.address != "::1")
        metrics->fail("metrics are served on loopback only (127.0.0.0/8 or ::1)");
    }
  }
  return stoppage;
}

std::vector<RpzOutputConfig> parse_rpz_outputs(const Value& value) {
  std::vector<RpzOutputConfig> outputs;
  for (const Value& element : value.elements("a sequence of RPZ outputs", kMaxRpzOutputs)) {
    const Mapping section(element, kRpzOutputKeys);
    RpzOutputConfig output;
    const Value path = section.require("path");
    output.path = read_path(path, EmptyPath::kRejected);
    for (const RpzOutputConfig& earlier : outputs) {
      if (earlier.path == output.path) path.fail("another RPZ output writes the same file");
    }
    if (const auto zone = section.find("zone")) output.zone = read_domain_name(*zone);
    if (const auto command = section.find("reload_command")) {
      for (const Value& word : command->elements("a sequence of words: the program and its arguments", 64)) {
        output.reload_command.push_back(read_string(word));
        if (output.reload_command.back().find('\0') != std::string::npos) word.fail("an argument cannot hold a NUL byte");
      }
      if (!output.reload_command.empty() && output.reload_command[0].empty()) command->fail("the program name is empty");
    }
    if (const auto timeout = section.find("reload_timeout_seconds"))
      output.reload_timeout_seconds = read_integer<std::uint32_t>(*timeout, 1, 3600);
    outputs.push_back(std::move(output));
  }
  return outputs;
}

SyncConfig parse_sync(const Value& value) {
  const Mapping section(value, kSyncKeys);
  SyncConfig sync;
  if (const auto state_dir = section.find("state_dir"))
    sync.state_dir = read_path(*state_dir, EmptyPath::kRejected);
  if (const auto textfile = section.find("metrics_textfile"))
    sync.metrics_textfile = read_path(*textfile, EmptyPath::kMeansOff);
  if (const auto timeout = section.find("timeout_seconds"))
    sync.timeout_seconds = read_integer<std::uint32_t>(*timeout, 1, 3600);
  if (const auto psl = section.find("public_suffix_list"))
    sync.public_suffix_list = read_path(*psl, EmptyPath::kRejected);
  if (const auto keep = section.find("keep_versions"))
    sync.keep_versions = read_integer<std::uint32_t>(*keep, 1, 100);
  if (const auto metrics = section.find("metrics_listen")) {
    sync.metrics_listen = read_listen_addresses(*metrics);
    for (const ListenAddress& listen : sync.metrics_listen) {
      if (!listen.address.starts_with("127.") && listen.address != "::1")
        metrics->fail("metrics are served on loopback only (127.0.0.0/8 or ::1)");
    }
  }
  if (const auto outputs = section.find("rpz_outputs")) sync.rpz_outputs = parse_rpz_outputs(*outputs);
  if (const auto write = section.find("write_snapshot")) {
    sync.write_snapshot = read_bool(*write);
    if (!sync.write_snapshot && sync.rpz_outputs.empty())
      write->fail("with no snapshot and no rpz_outputs, dnsstop-sync would write nothing");
  }
  return sync;
}

// YAML forbids tabs in indentation, and yaml-cpp reports them as unrelated syntax
// errors ("illegal map value"), so they are looked for first.
void reject_tabs_in_indentation(std::string_view text, std::string_view source) {
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size(); ++line_number) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    const std::size_t content = line.find_first_not_of(" \t");
    const bool blank_or_comment =
        content == std::string_view::npos || line[content] == '#' || line[content] == '\r';
    const std::size_t tab = line.substr(0, content).find('\t');
    if (!blank_or_comment && tab != std::string_view::npos) {
      fail(source, mark_at(line_number, tab), "",
           "tab in indentation; YAML indents with spaces only");
    }
    start = end + 1;
  }
}

// Records where each document starts and ignores everything else.
class DocumentStartRecorder : public YAML::EventHandler {
 public:
  explicit DocumentStartRecorder(std::vector<YAML::Mark>& starts) : starts_(starts) {}
  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark>& starts_;
};

[[noreturn]] void too_large(std::string_view source) {
  fail(source, YAML::Mark::null_mark(), "",
       "larger than " + std::to_string(kMaxConfigBytes) + " bytes; this is not a configuration file");
}

YAML::Node load_document(std::string_view text, std::string_view source) {
  if (text.size() > kMaxConfigBytes) too_large(source);
  reject_tabs_in_indentation(text, source);
  YAML::Node document;
  std::vector<YAML::Mark> document_starts;
  try {
    document = YAML::Load(std::string(text));
    // Not YAML::LoadAll: yaml-cpp 0.7 (bookworm) never stops on a stray ',' at the
    // top level and fills memory with empty documents. Counting document starts,
    // and stopping at the second, needs only the event parser.
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    DocumentStartRecorder recorder(document_starts);
    while (document_starts.size() < 2 && parser.HandleNextDocument(recorder)) {
    }
  } catch (const YAML::DeepRecursion& error) {
    fail(source, error.mark, "", "YAML collections nested too deeply");
  } catch (const YAML::Exception& error) {
    fail(source, error.mark, "", "YAML syntax: " + error.msg);
  }
  if (document.IsNull()) {
    fail(source, YAML::Mark::null_mark(), "",
         "the file holds no settings; expected a mapping with keys " + join(kTopLevelKeys));
  }
  if (document_starts.size() > 1) {
    fail(source, document_starts[1], "", "a configuration file holds one YAML document, not several");
  }
  return document;
}

}  // namespace

Config parse_config(std::string_view yaml_text, std::string_view source) {
  const YAML::Node root = load_document(yaml_text, source);
  const Mapping top_level(Value(source, root, "", root.Mark()), kTopLevelKeys);
  Config config;
  config.source = source;
  if (const auto snapshot = top_level.find("snapshot")) config.snapshot = parse_snapshot(*snapshot);
  // Before the lists, which check that a stoppage list has addresses to answer with.
  if (const auto answers = top_level.find("answers")) config.answers = parse_answers(*answers);
  if (const auto lists = top_level.find("lists"))
    config.lists = parse_lists(*lists, config.answers);
  if (const auto metrics = top_level.find("metrics")) config.metrics = parse_metrics(*metrics);
  if (const auto log_names = top_level.find("log_queried_names")) {
    config.log_queried_names = read_bool(*log_names);
  }
  if (const auto names = top_level.find("protected_names")) config.protected_names = parse_protected_names(*names);
  if (const auto stoppage = top_level.find("stoppage")) config.stoppage = parse_stoppage(*stoppage);
  if (const auto sync = top_level.find("sync")) config.sync = parse_sync(*sync);
  return config;
}

Config load_config(const std::string& path) {
  std::string text;
  try {
    text = read_whole_file(path, kMaxConfigBytes);
  } catch (const FileError& error) {
    if (error.code() == std::errc::file_too_large) too_large(path);
    throw ConfigError(error.what());
  }
  return parse_config(text, path);
}

}  // namespace dnsstop
