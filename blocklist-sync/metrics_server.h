// dnsstop-sync's Prometheus endpoint: GET /metrics on the loopback addresses of
// sync.metrics_listen answers the text of the latest round, through the one HTTP
// server wrapper (http/http_server.h), with few connections and short timeouts: only
// a Prometheus server on the same host calls.
//
// The server's thread answers; update() is called from the sync thread. A request
// costs one copy of the text (a few kilobytes) under a mutex.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/config.h"
#include "http/http_server.h"

namespace dnsstop::sync {

class MetricsServer {
 public:
  // Throws std::runtime_error naming the address when one cannot be bound.
  explicit MetricsServer(const std::vector<ListenAddress>& listen);
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void update(std::string text);
  std::string text() const;

 private:
  http::Reply answer(const http::Request& request) const;

  mutable std::mutex mutex_;
  std::string text_;                                   // guarded by mutex_
  std::vector<std::unique_ptr<http::HttpServer>> servers_;  // last: stopped before the text goes
};

}  // namespace dnsstop::sync
