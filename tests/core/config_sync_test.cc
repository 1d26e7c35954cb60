// The configuration keys dnsstop-sync reads: the `sync` section and the source keys
// of a list (url, public_keys, TLS files, limits), their defaults and their errors.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/config.h"
#include "core/name.h"
#include "tests/core/config_test_support.h"

namespace dnsstop {
namespace {

constexpr std::string_view kKey = "RWQr7r3uvH8BsPfvMBAZCsxw8K8Rqwr+Bd3UPW2kGC0+XRT/ktHLKph9";

std::string list_yaml(std::string_view source_keys) {
  return "answers:\n  stoppage_ipv4: [192.0.2.80]\nlists:\n  - name: police\n    action: stoppage\n" +
         std::string(source_keys);
}

using testing::config_error_of;

TEST(ConfigSync, DefaultsAndFullSource) {
  const Config defaults = parse_config(list_yaml(""), "t.yaml");
  EXPECT_EQ(defaults.sync.state_dir, "/var/lib/dnsstop/sync");
  EXPECT_EQ(defaults.sync.timeout_seconds, 60u);
  EXPECT_TRUE(defaults.lists[0].source.url.empty());

  const Config config = parse_config(
      list_yaml("    url: https://lists.example/police.manifest\n"
                "    public_keys:\n      - " + std::string(kKey) + "\n"
                "    ca_file: /etc/dnsstop/ca.pem\n    client_cert: /c.pem\n    client_key: /k.pem\n"
                "    poll_seconds: 60\n    max_bytes: 1048576\n    max_skipped_percent: 5\n") +
          "sync:\n  state_dir: /s\n  metrics_textfile: /m.prom\n  timeout_seconds: 30\n"
          "  metrics_listen: [127.0.0.1:9153]\n",
      "t.yaml");
  const ListSourceConfig& source = config.lists[0].source;
  EXPECT_EQ(source.url, "https://lists.example/police.manifest");
  ASSERT_EQ(source.public_keys.size(), 1u);
  EXPECT_EQ(source.client_key, "/k.pem");
  EXPECT_EQ(source.poll_seconds, 60u);
  EXPECT_EQ(source.max_bytes, 1048576u);
  EXPECT_EQ(source.max_skipped_percent, 5u);
  EXPECT_EQ(config.sync.state_dir, "/s");
  EXPECT_EQ(config.sync.metrics_textfile, "/m.prom");
  EXPECT_EQ(config.sync.timeout_seconds, 30u);
  ASSERT_EQ(config.sync.metrics_listen.size(), 1u);
  EXPECT_EQ(config.sync.metrics_listen[0].port, 9153);
}

TEST(ConfigSync, Errors) {
  const std::string keys = "    public_keys: [" + std::string(kKey) + "]\n";
  EXPECT_EQ(config_error_of(list_yaml("    url: http://lists.example/m\n" + keys)),
            "t.yaml:6:10: lists[0].url: expected an https:// URL (plain http:// only with allow_plain_http, "
            "for tests), found \"http://lists.example/m\"");
  EXPECT_EQ(parse_config(list_yaml("    url: http://l/m\n    allow_plain_http: true\n" + keys), "t.yaml")
                .lists[0].source.url,
            "http://l/m");
  EXPECT_EQ(config_error_of(list_yaml("    url: https://l/m\n")),
            "t.yaml:6:10: lists[0].url: a list fetched from a url needs at least one key in public_keys");
  EXPECT_EQ(config_error_of(list_yaml("    url: https://l/m\n    public_keys: [RWQnotakey]\n")),
            "t.yaml:7:19: lists[0].public_keys[0]: public key: base64 line has the wrong length");
  EXPECT_EQ(config_error_of(list_yaml("    client_cert: /c.pem\n")), "t.yaml:6:18: lists[0].client_cert: needs client_key too");
  EXPECT_EQ(config_error_of(list_yaml("    max_skipped_percent: 101\n")),
            "t.yaml:6:26: lists[0].max_skipped_percent: \"101\" is out of range 0..100");
  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  statedir: /x\n"),
            "t.yaml:7:3: sync.statedir: unknown key; expected one of state_dir, metrics_textfile, "
            "timeout_seconds, metrics_listen, public_suffix_list, keep_versions, write_snapshot, rpz_outputs");
  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  metrics_listen: [192.0.2.1:9100]\n"),
            "t.yaml:7:19: sync.metrics_listen: metrics are served on loopback only (127.0.0.0/8 or ::1)");
}

TEST(ConfigSync, GuardRailKeysAndDefaults) {
  const Config defaults = parse_config(list_yaml(""), "t.yaml");
  EXPECT_EQ(defaults.lists[0].source.required_signatures, 1u);
  EXPECT_EQ(defaults.lists[0].source.change_bounds, ChangeBounds{});
  EXPECT_EQ(defaults.sync.public_suffix_list, "/usr/share/publicsuffix/public_suffix_list.dat");
  EXPECT_EQ(defaults.sync.keep_versions, 5u);
  EXPECT_TRUE(defaults.protected_names.empty());

  const std::string two_keys = "    public_keys: [" + std::string(kKey) +
                               ", RWQmGA7KhJ7RO6b4eXmJrVbTrJmFfmX7vyzbbmbswtM3KyJ5uVWr+Dx/]\n";
  const Config config = parse_config(
      list_yaml("    url: https://l/m\n" + two_keys +
                "    required_signatures: 2\n    max_added: 10\n    max_added_percent: 5\n"
                "    max_removed: 3\n    max_removed_percent: 1\n") +
          "protected_names: [Www.Example.SE, bank.example]\nsync:\n  public_suffix_list: /psl.dat\n"
          "  keep_versions: 9\n",
      "t.yaml");
  const ListSourceConfig& source = config.lists[0].source;
  EXPECT_EQ(source.required_signatures, 2u);
  EXPECT_EQ(source.change_bounds, (ChangeBounds{.added = {10, 5}, .removed = {3, 1}}));
  EXPECT_EQ(config.protected_names, (ProtectedNames{"bank.example", "www.example.se"}));
  EXPECT_EQ(config.sync.public_suffix_list, "/psl.dat");
  EXPECT_EQ(config.sync.keep_versions, 9u);

  EXPECT_EQ(config_error_of(list_yaml("    url: https://l/m\n    public_keys: [" + std::string(kKey) +
                                      "]\n    required_signatures: 2\n")),
            "t.yaml:8:26: lists[0].required_signatures: \"2\" is out of range 1..1");
  EXPECT_EQ(config_error_of(list_yaml("") + "protected_names: [a.example, A.example.]\n"),
            "t.yaml:6:30: protected_names[1]: repeats an earlier name");
  EXPECT_EQ(config_error_of(list_yaml("") + "protected_names: [\"bad name\"]\n"),
            "t.yaml:6:19: protected_names[0]: " + normalize_name("bad name").error);
}

TEST(ConfigSync, RpzOutputs) {
  const Config defaults = parse_config(list_yaml(""), "t.yaml");
  EXPECT_TRUE(defaults.sync.write_snapshot);
  EXPECT_TRUE(defaults.sync.rpz_outputs.empty());

  const Config config = parse_config(
      list_yaml("") +
          "sync:\n  write_snapshot: false\n  rpz_outputs:\n"
          "    - path: /var/lib/dnsstop/dnsstop.rpz\n"
          "      reload_command: [rndc, reload, dnsstop.rpz]\n      reload_timeout_seconds: 5\n"
          "    - path: /u.rpz\n      zone: Police.RPZ.\n",
      "t.yaml");
  EXPECT_FALSE(config.sync.write_snapshot);
  ASSERT_EQ(config.sync.rpz_outputs.size(), 2u);
  const RpzOutputConfig& bind = config.sync.rpz_outputs[0];
  EXPECT_EQ(bind.path, "/var/lib/dnsstop/dnsstop.rpz");
  EXPECT_EQ(bind.zone, "dnsstop.rpz");
  EXPECT_EQ(bind.reload_command, (std::vector<std::string>{"rndc", "reload", "dnsstop.rpz"}));
  EXPECT_EQ(bind.reload_timeout_seconds, 5u);
  EXPECT_EQ(config.sync.rpz_outputs[1].zone, "police.rpz");
  EXPECT_TRUE(config.sync.rpz_outputs[1].reload_command.empty());
  EXPECT_EQ(config.sync.rpz_outputs[1].reload_timeout_seconds, 30u);

  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  write_snapshot: false\n"),
            "t.yaml:7:19: sync.write_snapshot: with no snapshot and no rpz_outputs, dnsstop-sync would write nothing");
  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  rpz_outputs:\n    - zone: a.rpz\n"),
            "t.yaml:8:7: sync.rpz_outputs[0].path: required key is missing");
  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  rpz_outputs:\n    - path: /a\n    - path: /a\n"),
            "t.yaml:9:13: sync.rpz_outputs[1].path: another RPZ output writes the same file");
  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  rpz_outputs:\n    - path: /a\n      zone: \"bad name\"\n"),
            "t.yaml:9:13: sync.rpz_outputs[0].zone: " + normalize_name("bad name").error);
  EXPECT_EQ(config_error_of(list_yaml("") + "sync:\n  rpz_outputs:\n    - path: /a\n      reload_command: rndc\n"),
            "t.yaml:9:23: sync.rpz_outputs[0].reload_command: expected a sequence of words: the program and its "
            "arguments, found \"rndc\"");
}

}  // namespace
}  // namespace dnsstop
