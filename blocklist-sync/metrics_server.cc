// One HTTP server per address, one thread each: a scrape every few seconds at most.
#include "blocklist-sync/metrics_server.h"

#include <stdexcept>

namespace dnsstop::sync {
namespace {

constexpr http::ServerLimits kLimits{16, 10, 8192, 1};
constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

MetricsServer::MetricsServer(const std::vector<ListenAddress>& listen) {
  for (const ListenAddress& address : listen) {
    try {
      servers_.push_back(std::make_unique<http::HttpServer>(address, kLimits, http::TlsFiles{},
                                                            [this](const http::Request& request) { return answer(request); }));
    } catch (const std::runtime_error& error) {
      throw std::runtime_error(std::string("metrics: ") + error.what());
    }
  }
}

http::Reply MetricsServer::answer(const http::Request& request) const {
  if (request.method != "GET") return {405, "GET only\n", {{"Content-Type", kContentType}}, {}};
  if (request.path != "/metrics") return {404, "see /metrics\n", {{"Content-Type", kContentType}}, {}};
  return {200, text(), {{"Content-Type", kContentType}}, {}};
}

void MetricsServer::update(std::string text) {
  const std::lock_guard lock(mutex_);
  text_ = std::move(text);
}

std::string MetricsServer::text() const {
  const std::lock_guard lock(mutex_);
  return text_;
}

}  // namespace dnsstop::sync
