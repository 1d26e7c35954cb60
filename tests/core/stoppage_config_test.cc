// The `stoppage:` section of the configuration: every key, its defaults, and the
// errors for listen addresses, URLs, HTTPS without a certificate and metrics that
// are not on loopback.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/config.h"
#include "tests/core/config_test_support.h"

namespace dnsstop {
namespace {

using testing::config_error_of;

TEST(StoppageConfigTest, Defaults) {
  const StoppageConfig stoppage = parse_config("stoppage:\n", "t.yaml").stoppage;
  EXPECT_EQ(stoppage.mode, StoppageConfig::Mode::kStopPage);
  EXPECT_TRUE(stoppage.http_listen.empty());
  EXPECT_TRUE(stoppage.https_listen.empty());
  EXPECT_EQ(stoppage.default_language, "sv");
  EXPECT_EQ(stoppage.template_dir, "/etc/dnsstop/stoppage");
  EXPECT_EQ(stoppage.max_connections, 4096u);
  EXPECT_EQ(stoppage.idle_timeout_seconds, 10u);
  EXPECT_EQ(stoppage.connection_memory_bytes, 16384u);
  EXPECT_EQ(stoppage.threads, 2u);
  EXPECT_TRUE(stoppage.metrics_listen.empty());
}

// The example writes every default out, except the addresses and texts an operator
// must set.
TEST(StoppageConfigTest, ShippedExampleParsesWithTheDefaults) {
  const StoppageConfig example =
      load_config(std::string(DNSSTOP_SOURCE_DIR) + "/etc/dnsstop.yaml").stoppage;
  const StoppageConfig defaults;
  EXPECT_EQ(example.mode, defaults.mode);
  ASSERT_EQ(example.http_listen.size(), 2u);
  EXPECT_EQ(example.http_listen[1], (ListenAddress{"2001:db8::80", 80}));
  EXPECT_TRUE(example.https_listen.empty());
  EXPECT_EQ(example.operator_name, "Example Operator AB");
  EXPECT_EQ(example.default_language, defaults.default_language);
  EXPECT_EQ(example.check_host, defaults.check_host);
  EXPECT_EQ(example.template_dir, defaults.template_dir);
  EXPECT_EQ(example.max_connections, defaults.max_connections);
  EXPECT_EQ(example.idle_timeout_seconds, defaults.idle_timeout_seconds);
  EXPECT_EQ(example.connection_memory_bytes, defaults.connection_memory_bytes);
  EXPECT_EQ(example.threads, defaults.threads);
  EXPECT_TRUE(example.metrics_listen.empty());
}

TEST(StoppageConfigTest, EveryKey) {
  const StoppageConfig stoppage = parse_config(
      "stoppage:\n"
      "  mode: public_check\n"
      "  http_listen: [\"192.0.2.80:80\", \"[2001:db8::80]:8080\"]\n"
      "  https_listen: [\"192.0.2.80:443\"]\n"
      "  tls_certificate: /etc/c.pem\n"
      "  tls_key: /etc/k.pem\n"
      "  operator_name: Telekom AB\n"
      "  blocked_by_url: https://op.example/block\n"
      "  hotline_url: https://hotline.example/\n"
      "  help_url: http://help.example/\n"
      "  default_language: en\n"
      "  check_host: Check.Example.\n"
      "  template_dir: /t\n"
      "  max_connections: 1000000\n"
      "  idle_timeout_seconds: 3600\n"
      "  connection_memory_bytes: 4096\n"
      "  threads: 256\n"
      "  metrics_listen: [\"127.0.0.1:9153\", \"[::1]:9153\"]\n",
      "t.yaml").stoppage;
  EXPECT_EQ(stoppage.mode, StoppageConfig::Mode::kPublicCheck);
  ASSERT_EQ(stoppage.http_listen.size(), 2u);
  EXPECT_EQ(stoppage.http_listen[0], (ListenAddress{"192.0.2.80", 80}));
  EXPECT_EQ(stoppage.http_listen[1], (ListenAddress{"2001:db8::80", 8080}));
  EXPECT_TRUE(stoppage.http_listen[1].ipv6());
  EXPECT_EQ(stoppage.https_listen[0].port, 443u);
  EXPECT_EQ(stoppage.tls_certificate, "/etc/c.pem");
  EXPECT_EQ(stoppage.tls_key, "/etc/k.pem");
  EXPECT_EQ(stoppage.operator_name, "Telekom AB");
  EXPECT_EQ(stoppage.blocked_by_url, "https://op.example/block");
  EXPECT_EQ(stoppage.hotline_url, "https://hotline.example/");
  EXPECT_EQ(stoppage.help_url, "http://help.example/");
  EXPECT_EQ(stoppage.default_language, "en");
  EXPECT_EQ(stoppage.check_host, "check.example");
  EXPECT_EQ(stoppage.template_dir, "/t");
  EXPECT_EQ(stoppage.max_connections, 1000000u);
  EXPECT_EQ(stoppage.idle_timeout_seconds, 3600u);
  EXPECT_EQ(stoppage.connection_memory_bytes, 4096u);
  EXPECT_EQ(stoppage.threads, 256u);
  EXPECT_EQ(stoppage.metrics_listen.size(), 2u);
}

TEST(StoppageConfigTest, ListenAddressErrors) {
  const std::string expected = "expected ADDRESS:PORT such as 192.0.2.80:80 or [2001:db8::80]:80, found ";
  EXPECT_EQ(config_error_of("stoppage:\n  http_listen: [\"192.0.2.80\"]\n"),
            "t.yaml:2:17: stoppage.http_listen[0]: " + expected + "\"192.0.2.80\"");
  EXPECT_EQ(config_error_of("stoppage:\n  http_listen: [\"2001:db8::80:80\"]\n"),
            "t.yaml:2:17: stoppage.http_listen[0]: " + expected + "\"2001:db8::80:80\"");
  EXPECT_EQ(config_error_of("stoppage:\n  http_listen: [\"192.0.2.80:65536\"]\n"),
            "t.yaml:2:17: stoppage.http_listen[0]: " + expected + "\"192.0.2.80:65536\"");
  EXPECT_EQ(config_error_of("stoppage:\n  http_listen: [\"[192.0.2.80]:80\"]\n"),
            "t.yaml:2:17: stoppage.http_listen[0]: " + expected + "\"[192.0.2.80]:80\"");
  EXPECT_EQ(config_error_of("stoppage:\n  http_listen: [\"host.example:80\"]\n"),
            "t.yaml:2:17: stoppage.http_listen[0]: " + expected + "\"host.example:80\"");
  EXPECT_EQ(config_error_of("stoppage:\n  http_listen: [\"192.0.2.80:80\", \"192.0.2.80:80\"]\n"),
            "t.yaml:2:34: stoppage.http_listen[1]: repeats an earlier address");
}

TEST(StoppageConfigTest, OtherErrors) {
  EXPECT_EQ(config_error_of("stoppage:\n  https_listen: [\"127.0.0.1:443\"]\n"),
            "t.yaml:2:17: stoppage.https_listen: HTTPS needs stoppage.tls_certificate and stoppage.tls_key");
  EXPECT_EQ(config_error_of("stoppage:\n  metrics_listen: [\"192.0.2.1:9153\"]\n"),
            "t.yaml:2:19: stoppage.metrics_listen: metrics are served on loopback only (127.0.0.0/8 or ::1)");
  EXPECT_EQ(config_error_of("stoppage:\n  hotline_url: \"javascript:alert(1)\"\n"),
            "t.yaml:2:16: stoppage.hotline_url: expected an http:// or https:// URL without spaces, quotes or "
            "angle brackets, found \"javascript:alert(1)\"");
  EXPECT_EQ(config_error_of("stoppage:\n  help_url: 'https://a.example/\"><script>'\n"),
            "t.yaml:2:13: stoppage.help_url: expected an http:// or https:// URL without spaces, quotes or "
            "angle brackets, found \"https://a.example/\\x22><script>\"");
  EXPECT_EQ(config_error_of("stoppage:\n  mode: both\n"),
            "t.yaml:2:9: stoppage.mode: expected one of stop_page, public_check, found \"both\"");
  EXPECT_EQ(config_error_of("stoppage:\n  default_language: fi\n"),
            "t.yaml:2:21: stoppage.default_language: expected one of sv, en, found \"fi\"");
  EXPECT_EQ(config_error_of("stoppage:\n  threads: 0\n"), "t.yaml:2:12: stoppage.threads: \"0\" is out of range 1..256");
  EXPECT_EQ(config_error_of("stoppage:\n  check_host: \"bad..name\"\n").substr(0, 34), "t.yaml:2:15: stoppage.check_host: ");
}

}  // namespace
}  // namespace dnsstop
