// The machinery that reads the configuration file (core/config.h), for the section
// parsers (core/config_sections.h): one YAML document with yaml-cpp's pitfalls
// avoided, values that know their dotted key and position, sections that hand out
// values by key, and typed readers that check each value. Every error is a
// ConfigError "FILE:LINE:COLUMN: KEY: what is wrong", formatted in one place.
//
// A section parser first asks its section for every key it knows (find, require),
// then calls check_keys, which rejects keys nobody asked for, and only then reads
// the values: a key name is written once, and an unknown key is reported before
// any value.
//
// Pure; any thread (no shared state); O(size of the text), capped by kMaxConfigBytes.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace dnsstop::config_reader {

// Throws the ConfigError for `what` about `key` at `mark`; an empty key and a null
// mark leave those parts out (see ConfigError).
[[noreturn]] void fail(std::string_view source, const YAML::Mark& mark, std::string_view key, std::string_view what);

// The file's one document: its root, null when the file holds no settings. Rejects
// more than kMaxConfigBytes, tabs in indentation, YAML syntax errors, nesting too
// deep and a second document.
YAML::Node load_document(std::string_view text, std::string_view source);

// The ConfigError for a file larger than kMaxConfigBytes.
[[noreturn]] void fail_too_large(std::string_view source);

// A node of the document with its dotted key path (lists[2].ede_code) and the place
// errors about it point to.
class Value {
 public:
  // `fallback` is used when the node has no useful position of its own: yaml-cpp
  // places an empty value ("ttl:" and nothing) at the next token, often the next line.
  Value(std::string_view source, YAML::Node node, std::string key, const YAML::Mark& fallback);
  // A required key the file leaves out: reading it fails with "required key is missing".
  static Value missing(std::string_view source, std::string key, const YAML::Mark& section_mark);

  const YAML::Node& node() const;
  const std::string& key() const { return key_; }
  std::string_view source() const { return source_; }
  const YAML::Mark& mark() const { return mark_; }
  std::string child_key(std::string_view child) const;

  [[noreturn]] void fail(std::string_view what) const;
  // "expected EXPECTED, found WHAT_IS_THERE".
  [[noreturn]] void fail_expected(std::string_view expected) const;

  // The elements of a sequence; an empty value reads as an empty sequence.
  std::vector<Value> elements(std::string_view expected, std::size_t max_count) const;

 private:
  std::string_view source_;
  YAML::Node node_;
  std::string key_;
  YAML::Mark mark_;
  bool missing_ = false;
};

// A mapping read by key. An empty value (a section whose keys are all commented out)
// reads as an empty mapping.
class Section {
 public:
  explicit Section(Value value) : value_(std::move(value)) {}

  // The value of `key`, or nothing when the file leaves it out. Makes `key` known.
  std::optional<Value> find(std::string_view key);
  // find for each of `keys`, in their order: const auto [a, b] = find_each({"a", "b"}).
  template <std::size_t N>
  std::array<std::optional<Value>, N> find_each(const std::string_view (&keys)[N]) {
    std::array<std::optional<Value>, N> values;
    for (std::size_t index = 0; index < N; ++index) values[index] = find(keys[index]);
    return values;
  }
  // The value of `key`, which the file must hold: reading it fails when it does not.
  Value require(std::string_view key);
  // Throws at the first key, in file order, that is not a plain name, was not asked
  // for ("unknown key; expected one of ..."), or repeats an earlier one; or when the
  // value is not a mapping. Call after the last find or require.
  void check_keys() const;

  // "a mapping with keys K1, K2, ...", the keys asked for so far.
  std::string expected() const;

 private:
  Value value_;
  std::vector<std::string> known_keys_;  // in the order asked for, which messages keep
};

std::string read_string(const Value& value);
bool read_bool(const Value& value);

// A plain decimal number (core/decimal.h) in [min, max]: YAML 1.1 readers take a
// leading zero for octal and "0x" for hex, so such numbers would mean different
// things to different tools. A number outside the range ("-1", "70000") is told
// apart from text that is not a number.
std::uint64_t read_number(const Value& value, std::uint64_t min, std::uint64_t max);
template <std::unsigned_integral Integer>
Integer read_integer(const Value& value, Integer min, Integer max) {
  return static_cast<Integer>(read_number(value, min, max));
}

// One of a fixed set of words, each standing for a value of T.
template <typename T>
struct Keyword {
  std::string_view name;
  T value;
};
std::string expected_one_of(std::span<const std::string_view> names);
template <typename T>
T read_keyword(const Value& value, std::span<const Keyword<T>> keywords) {
  for (const Keyword<T>& keyword : keywords) {
    if (value.node().IsScalar() && keyword.name == value.node().Scalar()) return keyword.value;
  }
  std::vector<std::string_view> names;
  for (const Keyword<T>& keyword : keywords) names.push_back(keyword.name);
  value.fail_expected(expected_one_of(names));
}

enum class EmptyPath { kRejected, kMeansOff };
std::string read_path(const Value& value, EmptyPath empty);
// A domain name, canonical (core/name.h).
std::string read_domain_name(const Value& value);
// Up to kMaxStoppageAddressesPerFamily distinct addresses.
std::vector<std::array<std::uint8_t, 4>> read_ipv4_addresses(const Value& value);
std::vector<std::array<std::uint8_t, 16>> read_ipv6_addresses(const Value& value);
// Up to 16 distinct ADDRESS:PORT (core/address_port.h).
enum class ListenScope { kAny, kLoopback };
std::vector<ListenAddress> read_listen_addresses(const Value& value, ListenScope scope);
// An http:// or https:// URL of printable ASCII without quotes or angle brackets;
// "" stays "".
std::string read_url(const Value& value);

}  // namespace dnsstop::config_reader
