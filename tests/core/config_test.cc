// Tests for parse_config and load_config: the shipped example, defaults, every
// class of error with its exact message, and hostile input (syntax, tabs, size,
// nesting) that must end in a ConfigError rather than a crash.
#include "core/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/name.h"
#include "tests/core/config_test_support.h"

namespace dnsstop {
namespace {

std::filesystem::path example_config_path() { return std::filesystem::path(DNSSTOP_SOURCE_DIR) / "etc/dnsstop.yaml"; }

using testing::config_error_of;

std::string normalize_error(std::string_view name) { return normalize_name(name).error; }

// Answers that let a stoppage list stand, to prefix list tests with.
constexpr std::string_view kAnswers = "answers:\n  stoppage_ipv4: [192.0.2.80]\n";

std::string with_answers(std::string_view rest) {
  return std::string(kAnswers) + std::string(rest);
}

TEST(ConfigTest, ShippedExampleParses) {
  const Config config = load_config(example_config_path().string());
  EXPECT_EQ(config.source, example_config_path().string());
  EXPECT_EQ(config.snapshot.path, "/var/lib/dnsstop/current.snap");
  EXPECT_EQ(config.snapshot.when_missing, SnapshotConfig::WhenMissing::kResolve);
  EXPECT_EQ(config.snapshot.check_interval_ms, 500u);
  ASSERT_EQ(config.answers.stoppage_ipv4.size(), 1u);
  EXPECT_EQ(config.answers.stoppage_ipv4[0], (std::array<std::uint8_t, 4>{192, 0, 2, 80}));
  ASSERT_EQ(config.answers.stoppage_ipv6.size(), 1u);
  EXPECT_EQ(config.answers.stoppage_ipv6[0],
            (std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                          0x80}));
  EXPECT_EQ(config.answers.ttl, 300u);
  EXPECT_EQ(config.answers.soa_mname, "dnsstop.invalid");
  EXPECT_EQ(config.answers.soa_rname, "hostmaster.dnsstop.invalid");
  ASSERT_EQ(config.lists.size(), 3u);
  EXPECT_EQ(config.lists[0].name, "police");
  EXPECT_EQ(config.lists[0].action, Action::kStoppage);
  EXPECT_EQ(config.lists[0].ede_code, kEdeCensored);
  EXPECT_EQ(config.lists[0].ede_text, "Blocked by police order, see http://stopp.example");
  EXPECT_EQ(config.lists[0].file, "/var/lib/dnsstop/lists/police.txt");
  EXPECT_EQ(config.lists[1].name, "operator");
  EXPECT_EQ(config.lists[1].action, Action::kNxdomain);
  EXPECT_EQ(config.lists[1].ede_code, kEdeBlocked);
  EXPECT_EQ(config.lists[1].ede_text, "");
  EXPECT_EQ(config.lists[2].name, "exceptions");
  EXPECT_EQ(config.lists[2].action, Action::kAllow);
  EXPECT_EQ(config.lists[2].ede_code, 0u);
  EXPECT_EQ(config.metrics.textfile, "");
  EXPECT_EQ(config.metrics.interval_seconds, 5u);
  EXPECT_FALSE(config.log_queried_names);
}

// The example writes every default out; a file that leaves them all out must give
// the same values, so the example cannot drift from the code.
TEST(ConfigTest, DefaultsApplyWhenKeysAreAbsent) {
  const Config config = parse_config("lists: []\n", "min.yaml");
  const Config defaults;
  EXPECT_EQ(config.source, "min.yaml");
  EXPECT_EQ(config.snapshot.path, defaults.snapshot.path);
  EXPECT_EQ(config.snapshot.when_missing, SnapshotConfig::WhenMissing::kResolve);
  EXPECT_EQ(config.snapshot.check_interval_ms, 500u);
  EXPECT_TRUE(config.answers.stoppage_ipv4.empty());
  EXPECT_TRUE(config.answers.stoppage_ipv6.empty());
  EXPECT_EQ(config.answers.ttl, 300u);
  EXPECT_EQ(config.answers.soa_mname, "dnsstop.invalid");
  EXPECT_EQ(config.answers.soa_rname, "hostmaster.dnsstop.invalid");
  EXPECT_TRUE(config.lists.empty());
  EXPECT_EQ(config.metrics.textfile, "");
  EXPECT_EQ(config.metrics.interval_seconds, 5u);
  EXPECT_FALSE(config.log_queried_names);

  const Config example = load_config(example_config_path().string());
  EXPECT_EQ(example.snapshot.path, defaults.snapshot.path);
  EXPECT_EQ(example.snapshot.check_interval_ms, defaults.snapshot.check_interval_ms);
  EXPECT_EQ(example.answers.ttl, defaults.answers.ttl);
  EXPECT_EQ(example.answers.soa_mname, defaults.answers.soa_mname);
  EXPECT_EQ(example.answers.soa_rname, defaults.answers.soa_rname);
  EXPECT_EQ(example.metrics.textfile, defaults.metrics.textfile);
  EXPECT_EQ(example.metrics.interval_seconds, defaults.metrics.interval_seconds);
  EXPECT_EQ(example.log_queried_names, defaults.log_queried_names);
}

TEST(ConfigTest, ListDefaults) {
  const Config config = parse_config(with_answers("lists:\n  - name: a\n    action: stoppage\n"
                                                  "  - name: b\n    action: allow\n"),
                                     "t.yaml");
  ASSERT_EQ(config.lists.size(), 2u);
  EXPECT_EQ(config.lists[0].ede_code, 16u);
  EXPECT_EQ(config.lists[0].ede_text, "");
  EXPECT_EQ(config.lists[0].file, "");
  EXPECT_EQ(config.lists[1].ede_code, 0u);
}

TEST(ConfigTest, EmptySectionsTakeDefaults) {
  const Config config = parse_config("snapshot:\nanswers:\nlists:\nmetrics:\n", "t.yaml");
  EXPECT_EQ(config.snapshot.check_interval_ms, 500u);
  EXPECT_TRUE(config.lists.empty());
}

TEST(ConfigTest, EveryValueIsRead) {
  const Config config = parse_config(
      "snapshot:\n"
      "  path: /srv/s.snap\n"
      "  when_missing: servfail\n"
      "  check_interval_ms: 60000\n"
      "answers:\n"
      "  stoppage_ipv4: [10.0.0.1, 10.0.0.2]\n"
      "  stoppage_ipv6: ['::1']\n"
      "  ttl: 0\n"
      "  soa_mname: NS.Example.COM.\n"
      "  soa_rname: hostmaster.bücher.example\n"
      "lists:\n"
      "  - {name: Op_1.x-y, action: nodata, ede_code: 65535, ede_text: '~ok ~', file: l.txt}\n"
      "metrics:\n"
      "  textfile: /run/m.prom\n"
      "  interval_seconds: 3600\n"
      "log_queried_names: true\n",
      "t.yaml");
  EXPECT_EQ(config.snapshot.path, "/srv/s.snap");
  EXPECT_EQ(config.snapshot.when_missing, SnapshotConfig::WhenMissing::kServfail);
  EXPECT_EQ(config.snapshot.check_interval_ms, 60000u);
  ASSERT_EQ(config.answers.stoppage_ipv4.size(), 2u);
  EXPECT_EQ(config.answers.stoppage_ipv4[1], (std::array<std::uint8_t, 4>{10, 0, 0, 2}));
  ASSERT_EQ(config.answers.stoppage_ipv6.size(), 1u);
  EXPECT_EQ(config.answers.stoppage_ipv6[0][15], 1u);
  EXPECT_EQ(config.answers.ttl, 0u);
  EXPECT_EQ(config.answers.soa_mname, "ns.example.com");
  EXPECT_EQ(config.answers.soa_rname, "hostmaster.xn--bcher-kva.example");
  ASSERT_EQ(config.lists.size(), 1u);
  EXPECT_EQ(config.lists[0].name, "Op_1.x-y");
  EXPECT_EQ(config.lists[0].action, Action::kNodata);
  EXPECT_EQ(config.lists[0].ede_code, 65535u);
  EXPECT_EQ(config.lists[0].ede_text, "~ok ~");
  EXPECT_EQ(config.lists[0].file, "l.txt");
  EXPECT_EQ(config.metrics.textfile, "/run/m.prom");
  EXPECT_EQ(config.metrics.interval_seconds, 3600u);
  EXPECT_TRUE(config.log_queried_names);
}

TEST(ConfigTest, EmptySectionsTakeTheirDefaults) {
  const Config config = parse_config("sync:\nstoppage:\n", "t.yaml");
  EXPECT_TRUE(config.lists.empty());
  EXPECT_EQ(config_error_of("sync: 5\n"),
            "t.yaml:1:7: sync: expected a mapping with keys state_dir, metrics_textfile, "
            "timeout_seconds, metrics_listen, public_suffix_list, keep_versions, write_snapshot, "
            "rpz_outputs, found \"5\"");
  EXPECT_EQ(config_error_of("stoppage: [a]\n").substr(0, 55),
            "t.yaml:1:11: stoppage: expected a mapping with keys mod");
}

TEST(ConfigTest, EmptyOrNonMappingFile) {
  const std::string expected_keys =
      "expected a mapping with keys snapshot, answers, lists, metrics, log_queried_names, protected_names, sync, "
      "stoppage";
  EXPECT_EQ(config_error_of(""), "t.yaml: the file holds no settings; " + expected_keys);
  EXPECT_EQ(config_error_of("# only a comment\n\n"),
            "t.yaml: the file holds no settings; " + expected_keys);
  EXPECT_EQ(config_error_of("~\n"), "t.yaml: the file holds no settings; " + expected_keys);
  EXPECT_EQ(config_error_of("- snapshot\n"), "t.yaml:1:1: " + expected_keys + ", found a sequence");
  EXPECT_EQ(config_error_of("hello\n"), "t.yaml:1:1: " + expected_keys + ", found \"hello\"");
  // The position is the second document's "---".
  EXPECT_EQ(config_error_of("lists: []\n---\nlists: []\n"),
            "t.yaml:2:1: a configuration file holds one YAML document, not several");
  // yaml-cpp 0.7 would make endless empty documents of a stray comma (found by fuzzing).
  EXPECT_EQ(config_error_of(","), "t.yaml: the file holds no settings; " + expected_keys);
  EXPECT_EQ(config_error_of("- a\n,"), "t.yaml:2:1: a configuration file holds one YAML document, not several");
}

TEST(ConfigTest, UnknownKeys) {
  EXPECT_EQ(config_error_of("lists: []\nlogging: true\n"),
            "t.yaml:2:1: logging: unknown key; expected one of snapshot, answers, lists, metrics, "
            "log_queried_names, protected_names, sync, stoppage");
  EXPECT_EQ(config_error_of("snapshot:\n  pth: /x\n"),
            "t.yaml:2:3: snapshot.pth: unknown key; expected one of path, when_missing, "
            "check_interval_ms");
  EXPECT_EQ(config_error_of("answers:\n  ttl: 5\n  soa_minimum: 5\n"),
            "t.yaml:3:3: answers.soa_minimum: unknown key; expected one of stoppage_ipv4, "
            "stoppage_ipv6, ttl, soa_mname, soa_rname");
  EXPECT_EQ(config_error_of(with_answers("lists:\n  - name: a\n    action: stoppage\n    ede: 16\n")),
            "t.yaml:6:5: lists[0].ede: unknown key; expected one of name, action, ede_code, "
            "ede_text, file, url, public_keys, ca_file, client_cert, client_key, poll_seconds, "
            "max_bytes, max_skipped_percent, allow_plain_http, required_signatures, max_added, max_added_percent, max_removed, max_removed_percent");
  EXPECT_EQ(
      config_error_of("metrics: {textfile: '', interval: 5}\n"),
      "t.yaml:1:25: metrics.interval: unknown key; expected one of textfile, interval_seconds");
  // Keys are case-sensitive, and a hostile key is cut and escaped in the message.
  EXPECT_EQ(config_error_of("Lists: []\n"),
            "t.yaml:1:1: Lists: unknown key; expected one of snapshot, answers, lists, metrics, "
            "log_queried_names, protected_names, sync, stoppage");
  EXPECT_EQ(config_error_of("\"a\\x01" + std::string(100, 'b') + "\": 1\n"),
            "t.yaml:1:1: a\\x01" + std::string(36, 'b') +
                "\xE2\x80\xA6: unknown key; expected one of snapshot, answers, lists, metrics, "
                "log_queried_names, protected_names, sync, stoppage");
  EXPECT_EQ(config_error_of("? [a]\n: 1\n"), "t.yaml:1:3: keys must be plain names");
}

TEST(ConfigTest, DuplicateKeys) {
  EXPECT_EQ(config_error_of("snapshot:\n  path: /a\n  path: /b\n"),
            "t.yaml:3:3: snapshot.path: duplicate key (first at line 2)");
  EXPECT_EQ(config_error_of("lists: []\nlists: []\n"),
            "t.yaml:2:1: lists: duplicate key (first at line 1)");
}

TEST(ConfigTest, WrongTypes) {
  EXPECT_EQ(config_error_of("snapshot: /var/x\n"),
            "t.yaml:1:11: snapshot: expected a mapping with keys path, when_missing, "
            "check_interval_ms, found \"/var/x\"");
  EXPECT_EQ(
      config_error_of("snapshot:\n  check_interval_ms: fast\n"),
      "t.yaml:2:22: snapshot.check_interval_ms: expected an integer 50..60000, found \"fast\"");
  EXPECT_EQ(config_error_of("answers:\n  ttl: [300]\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found a sequence");
  EXPECT_EQ(config_error_of("answers:\n  ttl:\n  soa_mname: a.example\n"),
            "t.yaml:2:3: answers.ttl: expected an integer 0..86400, found no value");
  EXPECT_EQ(config_error_of("answers:\n  ttl: 3.5\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found \"3.5\"");
  EXPECT_EQ(config_error_of("answers:\n  ttl: 0x10\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found \"0x10\"");
  EXPECT_EQ(config_error_of("answers:\n  ttl: 0300\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found \"0300\"");
  EXPECT_EQ(config_error_of("answers:\n  ttl: +3\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found \"+3\"");
  EXPECT_EQ(config_error_of("log_queried_names: yes\n"),
            "t.yaml:1:20: log_queried_names: expected true or false, found \"yes\"");
  EXPECT_EQ(config_error_of("snapshot:\n  path: {a: 1}\n"),
            "t.yaml:2:9: snapshot.path: expected a string, found a mapping");
  EXPECT_EQ(
      config_error_of("snapshot:\n  when_missing: fail\n"),
      "t.yaml:2:17: snapshot.when_missing: expected one of resolve, servfail, found \"fail\"");
  EXPECT_EQ(config_error_of("lists: {name: a}\n"),
            "t.yaml:1:8: lists: expected a sequence of lists, found a mapping");
  EXPECT_EQ(config_error_of("lists:\n  - police\n"),
            "t.yaml:2:5: lists[0]: expected a mapping with keys name, action, ede_code, ede_text, "
            "file, url, public_keys, ca_file, client_cert, client_key, poll_seconds, max_bytes, "
            "max_skipped_percent, allow_plain_http, required_signatures, max_added, max_added_percent, "
            "max_removed, max_removed_percent, found \"police\"");
  EXPECT_EQ(config_error_of(with_answers("lists:\n  - name: a\n    action: block\n")),
            "t.yaml:5:13: lists[0].action: expected one of stoppage, nxdomain, nodata, allow, "
            "found \"block\"");
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv4: 192.0.2.80\n"),
            "t.yaml:2:18: answers.stoppage_ipv4: expected a sequence of IPv4 addresses, found "
            "\"192.0.2.80\"");
}

TEST(ConfigTest, OutOfRangeNumbers) {
  EXPECT_EQ(config_error_of("snapshot:\n  check_interval_ms: 49\n"),
            "t.yaml:2:22: snapshot.check_interval_ms: \"49\" is out of range 50..60000");
  EXPECT_EQ(config_error_of("snapshot:\n  check_interval_ms: 60001\n"),
            "t.yaml:2:22: snapshot.check_interval_ms: \"60001\" is out of range 50..60000");
  EXPECT_EQ(config_error_of("answers:\n  ttl: 86401\n"),
            "t.yaml:2:8: answers.ttl: \"86401\" is out of range 0..86400");
  EXPECT_EQ(config_error_of("answers:\n  ttl: -1\n"),
            "t.yaml:2:8: answers.ttl: \"-1\" is out of range 0..86400");
  EXPECT_EQ(config_error_of("answers:\n  ttl: 99999999999999999999999\n"),
            "t.yaml:2:8: answers.ttl: \"99999999999999999999999\" is out of range 0..86400");
  EXPECT_EQ(config_error_of("metrics:\n  interval_seconds: 0\n"),
            "t.yaml:2:21: metrics.interval_seconds: \"0\" is out of range 1..3600");
  EXPECT_EQ(config_error_of(with_answers("lists:\n  - {name: a, action: nxdomain, ede_code: 65536}\n")),
            "t.yaml:4:43: lists[0].ede_code: \"65536\" is out of range 0..65535");
}

// A sign makes a number out of range, never a number: "-0" is no zero.
TEST(ConfigTest, NegativeNumbersAreOutOfRange) {
  EXPECT_EQ(config_error_of("answers:\n  ttl: -0\n"), "t.yaml:2:8: answers.ttl: \"-0\" is out of range 0..86400");
  EXPECT_EQ(config_error_of("answers:\n  ttl: -05\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found \"-05\"");
  EXPECT_EQ(config_error_of("answers:\n  ttl: '-'\n"),
            "t.yaml:2:8: answers.ttl: expected an integer 0..86400, found \"-\"");
}

TEST(ConfigTest, Addresses) {
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv4: [192.0.2.80, 300.1.1.1]\n"),
            "t.yaml:2:31: answers.stoppage_ipv4[1]: expected an IPv4 address such as 192.0.2.80, "
            "found \"300.1.1.1\"");
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv4: ['2001:db8::80']\n"),
            "t.yaml:2:19: answers.stoppage_ipv4[0]: expected an IPv4 address such as 192.0.2.80, "
            "found \"2001:db8::80\"");
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv4: [010.0.0.1]\n"),
            "t.yaml:2:19: answers.stoppage_ipv4[0]: expected an IPv4 address such as 192.0.2.80, "
            "found \"010.0.0.1\"");
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv6: [192.0.2.80]\n"),
            "t.yaml:2:19: answers.stoppage_ipv6[0]: expected an IPv6 address such as 2001:db8::80, "
            "found \"192.0.2.80\"");
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv6:\n    - 2001:db8::80\n    - 2001:DB8:0::80\n"),
            "t.yaml:4:7: answers.stoppage_ipv6[1]: repeats an earlier address");
  EXPECT_EQ(config_error_of("answers:\n  stoppage_ipv4: [1.0.0.1, 1.0.0.2, 1.0.0.3, 1.0.0.4, 1.0.0.5, "
                     "1.0.0.6, 1.0.0.7, 1.0.0.8, 1.0.0.9]\n"),
            "t.yaml:2:91: answers.stoppage_ipv4[8]: one entry too many; at most 8 are allowed");
}

TEST(ConfigTest, SoaNamesAreNormalized) {
  EXPECT_EQ(config_error_of("answers:\n  soa_mname: a..b\n"),
            "t.yaml:2:14: answers.soa_mname: " + normalize_error("a..b"));
  EXPECT_EQ(config_error_of("answers:\n  soa_rname: '*.example'\n"),
            "t.yaml:2:14: answers.soa_rname: " + normalize_error("*.example"));
}

TEST(ConfigTest, StoppageListNeedsAnAddress) {
  EXPECT_EQ(config_error_of("lists:\n  - name: police\n    action: stoppage\n"),
            "t.yaml:3:13: lists[0].action: stoppage needs an address in answers.stoppage_ipv4 or "
            "answers.stoppage_ipv6");
  // Order in the file does not matter, and either family is enough.
  EXPECT_NO_THROW(
      parse_config("lists:\n  - {name: p, action: stoppage}\n"
                   "answers:\n  stoppage_ipv6: ['2001:db8::80']\n",
                   "t.yaml"));
  EXPECT_NO_THROW(parse_config("lists:\n  - {name: p, action: nxdomain}\n", "t.yaml"));
}

TEST(ConfigTest, ListNameAndActionAreRequired) {
  EXPECT_EQ(config_error_of("lists:\n  - action: nxdomain\n"),
            "t.yaml:2:5: lists[0].name: required key is missing");
  EXPECT_EQ(config_error_of("lists:\n  - name: a\n    action: nodata\n  - name: b\n"),
            "t.yaml:4:5: lists[1].action: required key is missing");
  EXPECT_EQ(config_error_of("lists:\n  -\n"), "t.yaml:2:3: lists[0].name: required key is missing");
}

TEST(ConfigTest, ListNames) {
  const std::string expected = "expected 1-32 characters of A-Z a-z 0-9 . _ -, found ";
  EXPECT_EQ(config_error_of("lists:\n  - {name: 'a b', action: nodata}\n"),
            "t.yaml:2:12: lists[0].name: " + expected + "\"a b\"");
  EXPECT_EQ(config_error_of("lists:\n  - {name: '', action: nodata}\n"),
            "t.yaml:2:12: lists[0].name: " + expected + "\"\"");
  EXPECT_EQ(config_error_of("lists:\n  - {name: " + std::string(33, 'x') + ", action: nodata}\n"),
            "t.yaml:2:12: lists[0].name: " + expected + "\"" + std::string(33, 'x') + "\"");
  EXPECT_EQ(config_error_of("lists:\n  - {name: pölice, action: nodata}\n"),
            "t.yaml:2:12: lists[0].name: " + expected + "\"p\\xc3\\xb6lice\"");
  EXPECT_NO_THROW(
      parse_config("lists:\n  - {name: " + std::string(32, 'x') + ", action: nodata}\n", "t.yaml"));
}

TEST(ConfigTest, DuplicateListNames) {
  EXPECT_EQ(config_error_of("lists:\n  - name: police\n    action: nxdomain\n"
                     "  - name: other\n    action: nodata\n"
                     "  - name: police\n    action: nodata\n"),
            "t.yaml:6:11: lists[2].name: \"police\" is already the name of lists[0]");
}

TEST(ConfigTest, AtMostFifteenLists) {
  std::string yaml = "lists:\n";
  for (int index = 0; index < 15; ++index)
    yaml += "  - {name: l" + std::to_string(index) + ", action: nodata}\n";
  EXPECT_EQ(parse_config(yaml, "t.yaml").lists.size(), 15u);
  yaml += "  - {name: l15, action: nodata}\n";
  EXPECT_EQ(config_error_of(yaml), "t.yaml:17:5: lists[15]: one entry too many; at most 15 are allowed");
}

TEST(ConfigTest, AllowListsSendNoEde) {
  EXPECT_EQ(
      config_error_of("lists:\n  - name: exceptions\n    action: allow\n    ede_code: 15\n"),
      "t.yaml:4:15: lists[0].ede_code: an allow list sends no extended DNS error; remove this key");
  EXPECT_EQ(
      config_error_of("lists:\n  - name: exceptions\n    action: allow\n    ede_text: x\n"),
      "t.yaml:4:15: lists[0].ede_text: an allow list sends no extended DNS error; remove this key");
}

TEST(ConfigTest, EdeText) {
  const std::string list = "lists:\n  - name: a\n    action: nxdomain\n    ede_text: ";
  EXPECT_EQ(parse_config(list + std::string(64, 'x') + "\n", "t.yaml").lists[0].ede_text,
            std::string(64, 'x'));
  EXPECT_EQ(config_error_of(list + std::string(65, 'x') + "\n"),
            "t.yaml:4:15: lists[0].ede_text: is 65 bytes; at most 64 fit in every answer");
  EXPECT_EQ(
      config_error_of(list + "\"tab\\there\"\n"),
      "t.yaml:4:15: lists[0].ede_text: expected printable ASCII text, found \"tab\\x09here\"");
  EXPECT_EQ(config_error_of(list + "Blockiert – Polizei\n"),
            "t.yaml:4:15: lists[0].ede_text: expected printable ASCII text, found "
            "\"Blockiert \\xe2\\x80\\x93 Polizei\"");
}

TEST(ConfigTest, Paths) {
  EXPECT_EQ(config_error_of("snapshot:\n  path: ''\n"),
            "t.yaml:2:9: snapshot.path: must not be empty; leave the key out instead");
  EXPECT_EQ(config_error_of("lists:\n  - {name: a, action: nodata, file: ''}\n"),
            "t.yaml:2:37: lists[0].file: must not be empty; leave the key out instead");
  EXPECT_EQ(config_error_of("snapshot:\n  path: \"/a\\0b\"\n"),
            "t.yaml:2:9: snapshot.path: a path cannot hold a NUL byte");
}

TEST(ConfigTest, YamlSyntaxErrorsGiveLineAndColumn) {
  EXPECT_EQ(config_error_of("lists: [a, b\n"), "t.yaml:2:1: YAML syntax: end of sequence flow not found");
  EXPECT_EQ(config_error_of("snapshot: path: /x\n"), "t.yaml:1:15: YAML syntax: illegal map value");
  // yaml-cpp 0.8 (trixie) names the anchor after this text; 0.7 (bookworm) does not.
  const std::string undefined_anchor = config_error_of("lists: *undefined\n");
  EXPECT_TRUE(undefined_anchor.starts_with("t.yaml:1:8: YAML syntax: the referenced anchor is not defined"))
      << undefined_anchor;
  EXPECT_EQ(config_error_of("lists: [a, b]]\n"), "t.yaml:1:14: YAML syntax: illegal flow end");
  EXPECT_EQ(config_error_of("snapshot:\n  path: \"/x\\q\"\n"),
            "t.yaml:2:14: YAML syntax: unknown escape character: q");
}

TEST(ConfigTest, TabsInIndentationAreNamed) {
  EXPECT_EQ(config_error_of("snapshot:\n\tpath: /x\n"),
            "t.yaml:2:1: tab in indentation; YAML indents with spaces only");
  EXPECT_EQ(config_error_of("snapshot:\n  \tpath: /x\n"),
            "t.yaml:2:3: tab in indentation; YAML indents with spaces only");
  // Tabs elsewhere, and in blank or comment lines, are fine.
  EXPECT_NO_THROW(parse_config("snapshot:\t# comment\n\t\n\t# comment\n  path:\t/x\r\n", "t.yaml"));
}

TEST(ConfigTest, OversizedInputIsRefusedUnparsed) {
  const std::string huge = "lists: []\n" + std::string(kMaxConfigBytes, '#');
  EXPECT_EQ(config_error_of(huge), "t.yaml: larger than 1048576 bytes; this is not a configuration file");
}

TEST(ConfigTest, DeepNestingIsRefused) {
  // yaml-cpp places this error at the start of the document.
  EXPECT_EQ(config_error_of("sync: " + std::string(100000, '[')),
            "t.yaml:1:1: YAML collections nested too deeply");
  EXPECT_EQ(config_error_of("sync: " + std::string(100000, '{')),
            "t.yaml:1:1: YAML collections nested too deeply");
}

TEST(ConfigTest, LargeDocumentsEndInAnError) {
  std::string many_lists = "lists:\n";
  while (many_lists.size() < kMaxConfigBytes - 64) many_lists += "  - {name: x, action: nodata}\n";
  EXPECT_EQ(config_error_of(many_lists),
            "t.yaml:17:5: lists[15]: one entry too many; at most 15 are allowed");

  // Aliases share one node instead of copying it, so this stays small.
  std::string laughs = "answers:\n  stoppage_ipv4:\n    - &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 20; ++level) {
    const std::string previous = "*a" + std::to_string(level - 1);
    laughs += "    - &a" + std::to_string(level) + " [";
    for (int copy = 0; copy < 10; ++copy) laughs += previous + (copy < 9 ? ", " : "]\n");
  }
  EXPECT_EQ(config_error_of(laughs), "t.yaml:11:7: answers.stoppage_ipv4[8]: one entry too many; at most 8 are allowed");
}

TEST(ConfigTest, LoadConfigNamesUnreadableFiles) {
  EXPECT_EQ(
      [] {
        try {
          load_config("/nonexistent/dnsstop.yaml");
        } catch (const ConfigError& error) {
          return std::string(error.what());
        }
        return std::string("accepted");
      }(),
      "/nonexistent/dnsstop.yaml: No such file or directory");
}

TEST(ConfigTest, LoadConfigStopsReadingAtTheLimit) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("dnsstop_config_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "lists: []\n" << std::string(2 * kMaxConfigBytes, '#');
  }
  try {
    load_config(path.string());
    ADD_FAILURE() << "accepted an oversized file";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()),
              path.string() + ": larger than 1048576 bytes; this is not a configuration file");
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dnsstop
