// One listening HTTP or HTTPS socket served by libmicrohttpd (docs/stoppage.md says
// why that library): its own epoll thread pool parses requests, enforces the limits
// and calls the handler; this class only turns the handler's Reply into a response.
//
// Construct and destroy from the main thread. The handler is called from the pool's
// threads, several at once, and must be thread-safe; it sees the request's Host,
// path and Accept-Language only, never the client's address. Destruction stops the
// pool and waits for running handlers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "stoppage/pages.h"

struct MHD_Daemon;

namespace dnsstop::stoppage {

struct Reply {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // must outlive the call
};

struct ServerLimits {
  std::uint32_t max_connections = 4096;
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
  Handler handler_;
  TlsFiles tls_;  // libmicrohttpd keeps pointers into these for the daemon's lifetime
  MHD_Daemon* daemon_ = nullptr;
  std::uint16_t port_ = 0;

  friend struct HttpServerCallbacks;
};

}  // namespace dnsstop::stoppage
