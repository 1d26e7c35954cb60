// dnsstop-stoppage: the stop page that blocked names resolve to, and the consumer
// check (docs/stoppage.md). Reads the `stoppage` section of the configuration,
// serves until SIGTERM or SIGINT; SIGHUP reloads the templates and texts. It never
// logs or counts who came.
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/command_line.h"
#include "core/config.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/rcu_pointer.h"
#include "http/http_server.h"
#include "stoppage/list_watcher.h"
#include "stoppage/page_counters.h"
#include "stoppage/pages.h"
#include "stoppage/reload.h"
#include "stoppage/templates.h"

namespace dnsstop::stoppage {
namespace {

using http::HttpServer;
using http::Reply;
using http::ServerLimits;
using http::TlsFiles;

// The page must say where to report and where to find help, and whose block it is.
void require_settings(const Config& config) {
  const StoppageConfig& stoppage = config.stoppage;
  const auto require = [&](bool present, std::string_view key) {
    if (!present) throw std::runtime_error(config.source + ": stoppage." + std::string(key) + " is required to run the stop-page server");
  };
  require(!stoppage.http_listen.empty(), "http_listen");
  require(!stoppage.operator_name.empty(), "operator_name");
  if (stoppage.mode == StoppageConfig::Mode::kStopPage) {
    require(!stoppage.blocked_by_url.empty(), "blocked_by_url");
    require(!stoppage.hotline_url.empty(), "hotline_url");
    require(!stoppage.help_url.empty(), "help_url");
  }
  require(stoppage.https_listen.empty() || !stoppage.check_host.empty(), "check_host (HTTPS serves only the check host)");
}

// A certificate chain or key: far below this, which bounds a wrong path.
constexpr std::size_t kMaxTlsFileBytes = std::size_t{1} << 20;

std::string read_tls_file(const std::string& path) {
  std::string text = read_whole_file(path, kMaxTlsFileBytes);
  if (text.empty()) throw std::runtime_error(path + ": is empty");
  return text;
}

// 1,000 concurrent clients need more descriptors than the usual soft limit of 1024.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string url_of(bool https, const ListenAddress& listen, std::uint16_t port) {
  return std::string(https ? "https://" : "http://") + AddressPort{listen.address, port}.text();
}

// The signals main() blocks before any thread starts, so that only sigwait sees them.
sigset_t handled_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  return signals;
}

// The pages in use: server threads read them without locks; SIGHUP swaps in new ones.
using CurrentPages = RcuPointer<PageRenderer>;

// SIGHUP: new templates and texts for the next request; requests already being
// answered finish with the renderer they hold (the swap waits for them), and no
// connection is touched. A configuration or template that cannot be used leaves the
// pages as they were.
void reload(const std::string& config_path, Config& running, CurrentPages& renderer) {
  try {
    const Config reread = load_config(config_path);
    require_settings(reread);
    const ReloadPlan plan = plan_reload(running, reread);
    renderer.replace(std::make_unique<const PageRenderer>(plan.settings, TemplateSet::load(plan.settings.template_dir)));
    running.stoppage = plan.settings;
    log_line(LogLevel::kInfo,
             "reloaded the texts from " + config_path + " and the templates from " + plan.settings.template_dir);
    for (const std::string_view key : plan.restart_keys) {
      log_line(LogLevel::kWarning, std::string(key) + " changed; it takes effect at the next restart");
    }
  } catch (const std::exception& error) {
    log_line(LogLevel::kError, std::string("reload refused, the pages stay as they were: ") + error.what());
  }
}

int run(const std::string& config_path) {
  Config config = load_config(config_path);
  require_settings(config);
  const StoppageConfig& settings = config.stoppage;
  raise_descriptor_limit();

  CurrentPages renderer;
  renderer.replace(std::make_unique<const PageRenderer>(settings, TemplateSet::load(settings.template_dir)));
  const ListWatcher watcher(config.snapshot.path, settings.check_host,
                            std::chrono::milliseconds(config.snapshot.check_interval_ms));
  PageCounters counters;

  const HttpServer::Handler page_handler = [&](const Request& request) {
    // Held until the response is built: the Link header points into the renderer.
    auto pages = std::make_shared<CurrentPages::Reader>(renderer.read());
    Response response = (*pages)->respond(request, watcher.facts(), std::time(nullptr));
    counters.count(response.page, response.json, response.language);
    Reply reply{response.status, std::move(response.body), {}, {}};
    reply.headers = {
        {"Content-Type", response.content_type},
        {"Content-Language", language_code(response.language)},
        {"Cache-Control", "no-store"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:"},
    };
    if (response.status == 451) reply.headers.emplace_back("Link", (*pages)->link_header());
    reply.owner = std::move(pages);
    return reply;
  };
  const HttpServer::Handler metrics_handler = [&](const Request& request) {
    if (request.path != "/metrics") return Reply{404, "not found\n", {{"Content-Type", "text/plain"}}, {}};
    return Reply{200, counters.prometheus_text(), {{"Content-Type", "text/plain; version=0.0.4"}}, {}};
  };

  const ServerLimits limits{settings.max_connections, settings.idle_timeout_seconds,
                            settings.connection_memory_bytes, settings.threads};
  TlsFiles tls;
  if (!settings.https_listen.empty()) {
    tls = {read_tls_file(settings.tls_certificate), read_tls_file(settings.tls_key)};
  }
  std::vector<std::unique_ptr<HttpServer>> servers;
  const auto start = [&](const ListenAddress& listen, const ServerLimits& server_limits, const TlsFiles& files,
                         const HttpServer::Handler& handler, std::string_view what) {
    servers.push_back(std::make_unique<HttpServer>(listen, server_limits, files, handler));
    log_line(LogLevel::kInfo,
             std::string(what) + " on " + url_of(!files.certificate_pem.empty(), listen, servers.back()->port()));
  };
  const std::string_view pages =
      settings.mode == StoppageConfig::Mode::kStopPage ? "stop page" : "public check site";
  for (const ListenAddress& listen : settings.http_listen) start(listen, limits, {}, page_handler, pages);
  for (const ListenAddress& listen : settings.https_listen) start(listen, limits, tls, page_handler, pages);
  for (const ListenAddress& listen : settings.metrics_listen) start(listen, {16, 10, 8192, 1}, {}, metrics_handler, "metrics");

  const sigset_t signals = handled_signals();
  int received = 0;
  while (sigwait(&signals, &received) == 0 && received == SIGHUP) reload(config_path, config, renderer);
  log_line(LogLevel::kInfo, "stopping on signal " + std::to_string(received));
  return 0;
}

}  // namespace
}  // namespace dnsstop::stoppage

int main(int argc, char** argv) {
  const sigset_t signals = dnsstop::stoppage::handled_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  namespace command_line = dnsstop::command_line;
  command_line::App app(
      "The stop page that blocked names resolve to, and the consumer check. Serves until SIGTERM or SIGINT; SIGHUP "
      "reloads the templates and texts.",
      "dnsstop-stoppage");
  std::string config_path = command_line::default_config_path();
  app.add_option("--config", config_path, "The configuration (default: $DNSSTOP_CONFIG or /etc/dnsstop/dnsstop.yaml)")
      ->option_text("FILE");
  if (const std::optional<int> done = command_line::parse(app, argc, argv)) return *done;
  try {
    return dnsstop::stoppage::run(config_path);
  } catch (const std::exception& error) {
    dnsstop::log_line(dnsstop::LogLevel::kError, std::string("not starting: ") + error.what());
    return dnsstop::kExitFailure;
  }
}
