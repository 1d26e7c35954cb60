// dnsstop-sync's Prometheus endpoint: GET /metrics on the loopback addresses of
// sync.metrics_listen answers the text of the latest round.
//
// libmicrohttpd answers from its own thread; update() is called from the sync
// thread. A request costs one copy of the text (a few kilobytes) under a mutex.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "core/config.h"

struct MHD_Daemon;

namespace dnsstop::sync {

class MetricsServer {
 public:
  // Throws std::runtime_error naming the address when one cannot be bound.
  explicit MetricsServer(const std::vector<ListenAddress>& listen);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void update(std::string text);
  std::string text() const;

 private:
  mutable std::mutex mutex_;
  std::string text_;
  std::vector<MHD_Daemon*> daemons_;
};

}  // namespace dnsstop::sync
