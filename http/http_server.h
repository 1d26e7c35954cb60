// One listening HTTP or HTTPS socket served by libmicrohttpd (docs/stoppage.md says
// why that library), for the stop page and for every /metrics endpoint (the stop
// page's, dnsstop-sync's): its own epoll thread pool parses requests, enforces the limits
// and calls the handler; this class turns the handler's Reply into a response and
// closes the connections its ConnectionGuard names (a request not complete within
// idle_timeout_seconds; the longest waiter when max_connections are open), from the
// pool's threads and from one deadline thread per socket.
//
// Construct and destroy from the main thread. The handler is called from the pool's
// threads, several at once, and must be thread-safe; it sees the request's method,
// Host, path and Accept-Language only, never the client's address. Each connection event
// costs one short mutex hold, shared by the socket's threads. Destruction stops the
// pool and waits for running handlers.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/config.h"
#include "http/connection_guard.h"
#include "http/request.h"

struct MHD_Daemon;

namespace dnsstop::http {

struct ServerLimits {
  std::uint32_t max_connections = 4096;
  // Both the time a connection may take to deliver a complete request (from its
  // opening or its previous answer) and the time it may stay silent while answered.
  std::uint32_t idle_timeout_seconds = 10;
  std::uint32_t connection_memory_bytes = 16384;
  std::uint32_t threads = 2;
};

struct TlsFiles {
  std::string certificate_pem;  // contents, not paths; both empty for plain HTTP
  std::string key_pem;
};

class HttpServer {
 public:
  using Handler = std::function<Reply(const Request&)>;

  // Throws std::runtime_error("cannot listen on ADDRESS:PORT: reason").
  HttpServer(const ListenAddress& listen, const ServerLimits& limits, const TlsFiles& tls, Handler handler);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // The bound port (differs from the configured one only when that was 0).
  std::uint16_t port() const noexcept { return port_; }

 private:
  void close_expired_connections();  // the deadline thread

  Handler handler_;
  TlsFiles tls_;  // libmicrohttpd keeps pointers into these for the daemon's lifetime
  std::mutex guard_mutex_;
  ConnectionGuard guard_;                        // guarded by guard_mutex_
  bool stopping_ = false;                        // guarded by guard_mutex_
  std::condition_variable wake_deadline_thread_;  // a first deadline, or stopping
  std::thread deadline_thread_;
  MHD_Daemon* daemon_ = nullptr;
  std::uint16_t port_ = 0;

  friend struct HttpServerCallbacks;
};

}  // namespace dnsstop::http
