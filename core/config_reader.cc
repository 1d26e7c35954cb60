// Values, sections and typed readers of the configuration file; see config_reader.h.
#include "core/config_reader.h"

#include <arpa/inet.h>  // inet_pton: parses text, opens no socket

#include <algorithm>
#include <utility>

#include "core/address_port.h"
#include "core/decimal.h"
#include "core/name.h"
#include "core/printable.h"

namespace dnsstop::config_reader {
namespace {

// A key from the file shown in a message is cut to this many characters, so a
// message stays one readable line whatever the file holds.
constexpr std::size_t kMaxKeyChars = 40;

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return in_quotes(node.Scalar());
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a mapping";
    default: return "no value";
  }
}

template <typename Words>
std::string join(const Words& words) {
  std::string joined;
  for (const auto& word : words) {
    if (!joined.empty()) joined += ", ";
    joined += word;
  }
  return joined;
}

template <std::size_t kBytes>
std::vector<std::array<std::uint8_t, kBytes>> read_addresses(const Value& value) {
  static_assert(kBytes == 4 || kBytes == 16);
  const std::string_view family = kBytes == 4 ? "IPv4" : "IPv6";
  const std::string_view example = kBytes == 4 ? "192.0.2.80" : "2001:db8::80";
  std::vector<std::array<std::uint8_t, kBytes>> addresses;
  for (const Value& element :
       value.elements("a sequence of " + std::string(family) + " addresses", kMaxStoppageAddressesPerFamily)) {
    std::array<std::uint8_t, kBytes> address{};
    if (!element.node().IsScalar() ||
        ::inet_pton(kBytes == 4 ? AF_INET : AF_INET6, element.node().Scalar().c_str(), address.data()) != 1) {
      element.fail_expected("an " + std::string(family) + " address such as " + std::string(example));
    }
    if (std::find(addresses.begin(), addresses.end(), address) != addresses.end()) {
      element.fail("repeats an earlier address");
    }
    addresses.push_back(address);
  }
  return addresses;
}

}  // namespace

void fail(std::string_view source, const YAML::Mark& mark, std::string_view key, std::string_view what) {
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

Value::Value(std::string_view source, YAML::Node node, std::string key, const YAML::Mark& fallback)
    : source_(source),
      node_(std::move(node)),
      key_(std::move(key)),
      mark_(node_.IsNull() || node_.Mark().is_null() ? fallback : node_.Mark()) {}

Value Value::missing(std::string_view source, std::string key, const YAML::Mark& section_mark) {
  Value value(source, YAML::Node(), std::move(key), section_mark);
  value.missing_ = true;
  return value;
}

const YAML::Node& Value::node() const {
  if (missing_) fail("required key is missing");
  return node_;
}

std::string Value::child_key(std::string_view child) const {
  return key_.empty() ? std::string(child) : key_ + '.' + std::string(child);
}

void Value::fail(std::string_view what) const { config_reader::fail(source_, mark_, key_, what); }

void Value::fail_expected(std::string_view expected) const {
  fail("expected " + std::string(expected) + ", found " + describe(node()));
}

std::vector<Value> Value::elements(std::string_view expected, std::size_t max_count) const {
  if (node().IsNull()) return {};
  if (!node().IsSequence()) fail_expected(expected);
  std::vector<Value> result;
  for (const YAML::Node& element : node_) {
    Value value(source_, element, key_ + '[' + std::to_string(result.size()) + ']', mark_);
    if (result.size() == max_count) {
      value.fail("one entry too many; at most " + std::to_string(max_count) + " are allowed");
    }
    result.push_back(std::move(value));
  }
  return result;
}

std::optional<Value> Section::find(std::string_view key) {
  known_keys_.emplace_back(key);
  if (!value_.node().IsMap()) return std::nullopt;
  // The first entry with the key: check_keys rejects a file that repeats one.
  for (const auto& entry : value_.node()) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      return Value(value_.source(), entry.second, value_.child_key(key), entry.first.Mark());
    }
  }
  return std::nullopt;
}

Value Section::require(std::string_view key) {
  std::optional<Value> value = find(key);
  if (value) return *std::move(value);
  return Value::missing(value_.source(), value_.child_key(key), value_.mark());
}

void Section::check_keys() const {
  const YAML::Node& node = value_.node();
  if (node.IsNull()) return;
  if (!node.IsMap()) value_.fail_expected(expected());
  std::vector<std::pair<std::string, YAML::Mark>> seen;
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) fail(value_.source(), key.Mark(), value_.key(), "keys must be plain names");
    const std::string key_path = value_.child_key(printable(key.Scalar(), kMaxKeyChars));
    if (std::find(known_keys_.begin(), known_keys_.end(), key.Scalar()) == known_keys_.end()) {
      fail(value_.source(), key.Mark(), key_path, "unknown key; expected one of " + join(known_keys_));
    }
    for (const auto& [earlier, earlier_mark] : seen) {
      if (earlier == key.Scalar()) {
        fail(value_.source(), key.Mark(), key_path,
             "duplicate key (first at line " + std::to_string(earlier_mark.line + 1) + ')');
      }
    }
    seen.emplace_back(key.Scalar(), key.Mark());
  }
}

std::string Section::expected() const { return "a mapping with keys " + join(known_keys_); }

std::string read_string(const Value& value) {
  if (!value.node().IsScalar()) value.fail_expected("a string");
  return value.node().Scalar();
}

bool read_bool(const Value& value) {
  if (value.node().IsScalar() && value.node().Scalar() == "true") return true;
  if (value.node().IsScalar() && value.node().Scalar() == "false") return false;
  value.fail_expected("true or false");
}

std::uint64_t read_number(const Value& value, std::uint64_t min, std::uint64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  if (!value.node().IsScalar()) value.fail_expected("an integer " + range);
  const std::string& text = value.node().Scalar();
  const bool negative = text.starts_with('-');
  if (!is_plain_decimal(negative ? text.substr(1) : text)) value.fail_expected("an integer " + range);
  const std::optional<std::uint64_t> number = negative ? std::nullopt : parse_decimal(text, max);
  if (!number || *number < min) value.fail(in_quotes(text) + " is out of range " + range);
  return *number;
}

std::string expected_one_of(std::span<const std::string_view> names) { return "one of " + join(names); }

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

std::vector<std::array<std::uint8_t, 4>> read_ipv4_addresses(const Value& value) { return read_addresses<4>(value); }

std::vector<std::array<std::uint8_t, 16>> read_ipv6_addresses(const Value& value) {
  return read_addresses<16>(value);
}

std::vector<ListenAddress> read_listen_addresses(const Value& value, ListenScope scope) {
  std::vector<ListenAddress> addresses;
  for (const Value& element : value.elements("a sequence of ADDRESS:PORT", 16)) {
    const ParsedAddressPort listen = parse_address_port(read_string(element));
    if (!listen.ok()) element.fail_expected("ADDRESS:PORT such as 192.0.2.80:80 or [2001:db8::80]:80");
    if (std::find(addresses.begin(), addresses.end(), listen.value) != addresses.end()) {
      element.fail("repeats an earlier address");
    }
    addresses.push_back(listen.value);
  }
  // Metrics are for the operator's monitoring, not for the users who reach a server.
  for (const ListenAddress& listen : addresses) {
    if (scope == ListenScope::kLoopback && !listen.address.starts_with("127.") && listen.address != "::1") {
      value.fail("metrics are served on loopback only (127.0.0.0/8 or ::1)");
    }
  }
  return addresses;
}

// Only http and https URLs of printable ASCII: the URL goes into an HTTP header and
// an HTML attribute, where anything else could break out of either.
std::string read_url(const Value& value) {
  std::string url = read_string(value);
  const bool printable_ascii = std::all_of(
      url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>'; });
  if (!url.empty() && (!printable_ascii || !(url.starts_with("https://") || url.starts_with("http://")))) {
    value.fail("expected an http:// or https:// URL without spaces, quotes or angle brackets, found " +
               describe(value.node()));
  }
  return url;
}

}  // namespace dnsstop::config_reader
