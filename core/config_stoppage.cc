// The `stoppage` section: the stop-page server's addresses, texts and limits (see
// config_sections.h, docs/stoppage.md).
#include "core/config_sections.h"

namespace dnsstop::config_sections {
namespace {

constexpr Keyword<StoppageConfig::Mode> kStoppageModeKeywords[] = {
    {"stop_page", StoppageConfig::Mode::kStopPage},
    {"public_check", StoppageConfig::Mode::kPublicCheck},
};
constexpr Keyword<std::string_view> kLanguageKeywords[] = {{"sv", "sv"}, {"en", "en"}};

constexpr std::size_t kMaxOperatorNameBytes = 100;

}  // namespace

StoppageConfig parse_stoppage(Value value) {
  Section section(std::move(value));
  const auto [mode, http_listen, https_listen, tls_certificate, tls_key, operator_name, blocked_by_url, hotline_url,
              help_url, complaint_url, default_language, check_host, template_dir, max_connections, idle_timeout,
              connection_memory, threads, metrics_listen] =
      section.find_each({"mode", "http_listen", "https_listen", "tls_certificate", "tls_key", "operator_name",
                         "blocked_by_url", "hotline_url", "help_url", "complaint_url", "default_language",
                         "check_host", "template_dir", "max_connections", "idle_timeout_seconds",
                         "connection_memory_bytes", "threads", "metrics_listen"});
  section.check_keys();

  StoppageConfig stoppage;
  if (mode) stoppage.mode = read_keyword<StoppageConfig::Mode>(*mode, kStoppageModeKeywords);
  if (http_listen) stoppage.http_listen = read_listen_addresses(*http_listen, ListenScope::kAny);
  if (https_listen) stoppage.https_listen = read_listen_addresses(*https_listen, ListenScope::kAny);
  if (tls_certificate) stoppage.tls_certificate = read_path(*tls_certificate, EmptyPath::kMeansOff);
  if (tls_key) stoppage.tls_key = read_path(*tls_key, EmptyPath::kMeansOff);
  if (!stoppage.https_listen.empty() && (stoppage.tls_certificate.empty() || stoppage.tls_key.empty())) {
    https_listen->fail("HTTPS needs stoppage.tls_certificate and stoppage.tls_key");
  }
  if (operator_name) {
    stoppage.operator_name = read_string(*operator_name);
    if (stoppage.operator_name.size() > kMaxOperatorNameBytes) {
      operator_name->fail("longer than " + std::to_string(kMaxOperatorNameBytes) + " bytes");
    }
  }
  if (blocked_by_url) stoppage.blocked_by_url = read_url(*blocked_by_url);
  if (hotline_url) stoppage.hotline_url = read_url(*hotline_url);
  if (help_url) stoppage.help_url = read_url(*help_url);
  if (complaint_url) stoppage.complaint_url = read_url(*complaint_url);
  if (default_language) {
    stoppage.default_language = read_keyword<std::string_view>(*default_language, kLanguageKeywords);
  }
  // An empty check_host means none.
  if (check_host && !(check_host->node().IsScalar() && check_host->node().Scalar().empty())) {
    stoppage.check_host = read_domain_name(*check_host);
  }
  if (template_dir) stoppage.template_dir = read_path(*template_dir, EmptyPath::kRejected);
  if (max_connections) stoppage.max_connections = read_integer<std::uint32_t>(*max_connections, 1, 1000000);
  if (idle_timeout) stoppage.idle_timeout_seconds = read_integer<std::uint32_t>(*idle_timeout, 1, 3600);
  if (connection_memory) {
    stoppage.connection_memory_bytes = read_integer<std::uint32_t>(*connection_memory, 4096, 1048576);
  }
  if (threads) stoppage.threads = read_integer<std::uint32_t>(*threads, 1, 256);
  if (metrics_listen) stoppage.metrics_listen = read_listen_addresses(*metrics_listen, ListenScope::kLoopback);
  return stoppage;
}

}  // namespace dnsstop::config_sections
