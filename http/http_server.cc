#include "http/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace dnsstop::http {

// Browsers send no body to a page they were redirected to; anything larger than a
// small form is not worth reading.
constexpr std::uintptr_t kMaxDiscardedBody = 64 * 1024;

namespace {

int socket_of(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info != nullptr ? info->connect_fd : -1;
}

// shutdown(), not close(): the descriptor stays libmicrohttpd's, whose thread sees the
// end of the stream on its next read and closes the connection as if the client had
// gone. Called with the guard's mutex held; libmicrohttpd reports a connection closed
// (connection_event, which takes that mutex) before it closes the socket, so the
// descriptor is still this connection's, never a reused one.
void evict(int socket) { ::shutdown(socket, SHUT_RDWR); }

}  // namespace

struct HttpServerCallbacks {
  static void connection_event(void* server_pointer, MHD_Connection* connection, void** /*socket_context*/,
                               MHD_ConnectionNotificationCode event) {
    auto& server = *static_cast<HttpServer*>(server_pointer);
    const int socket = socket_of(connection);
    if (socket < 0) return;
    const auto now = ConnectionGuard::Clock::now();
    const std::lock_guard lock(server.guard_mutex_);
    if (event == MHD_CONNECTION_NOTIFY_CLOSED) {
      server.guard_.closed(socket);
      return;
    }
    const bool first_deadline = !server.guard_.next_deadline();
    if (const std::optional<int> victim = server.guard_.opened(socket, now)) evict(*victim);
    if (first_deadline) server.wake_deadline_thread_.notify_one();
  }

  // The answer was sent; a kept-alive connection now waits for its next request.
  static void request_finished(void* server_pointer, MHD_Connection* connection, void** /*request_state*/,
                               MHD_RequestTerminationCode /*how*/) {
    auto& server = *static_cast<HttpServer*>(server_pointer);
    const int socket = socket_of(connection);
    if (socket < 0) return;
    const auto now = ConnectionGuard::Clock::now();
    const std::lock_guard lock(server.guard_mutex_);
    const bool first_deadline = !server.guard_.next_deadline();
    server.guard_.answered(socket, now);
    if (first_deadline) server.wake_deadline_thread_.notify_one();
  }

  static MHD_Result answer(void* server_pointer, MHD_Connection* connection, const char* url, const char* method,
                           const char* /*version*/, const char* /*upload_data*/, std::size_t* upload_data_size,
                           void** request_state) {
    // The first call comes with the headers alone; a response queued then, or while
    // body bytes are unread, makes libmicrohttpd close the connection (and a client
    // still sending gets a reset instead of the page). So every method gets the same
    // page after its body, if any, has been read and thrown away; a body larger than
    // kMaxDiscardedBody closes the connection instead. The state is 1 + body bytes
    // read, kept in the pointer itself: nothing to allocate or free per request.
    const std::uintptr_t body_bytes_plus_one = reinterpret_cast<std::uintptr_t>(*request_state);
    if (body_bytes_plus_one == 0) {
      *request_state = reinterpret_cast<void*>(std::uintptr_t{1});
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      const std::uintptr_t body_bytes = body_bytes_plus_one - 1 + *upload_data_size;
      *request_state = reinterpret_cast<void*>(body_bytes + 1);
      *upload_data_size = 0;
      return body_bytes > kMaxDiscardedBody ? MHD_NO : MHD_YES;
    }
    auto& server = *static_cast<HttpServer*>(server_pointer);
    if (const int socket = socket_of(connection); socket >= 0) {
      const std::lock_guard lock(server.guard_mutex_);
      server.guard_.request_complete(socket);
    }
    const auto header = [&](const char* name) -> std::string_view {
      const char* value = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
      return value == nullptr ? std::string_view{} : std::string_view(value);
    };
    const Request request{header(MHD_HTTP_HEADER_HOST), url == nullptr ? "/" : url,
                          header(MHD_HTTP_HEADER_ACCEPT_LANGUAGE), method == nullptr ? "" : method};
    Reply reply;
    try {
      reply = server.handler_(request);
    } catch (const std::exception&) {
      return MHD_NO;  // closes the connection; nothing else is safe to do
    }
    MHD_Response* response =
        MHD_create_response_from_buffer(reply.body.size(), reply.body.data(), MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) return MHD_NO;
    for (const auto& [name, value] : reply.headers) {
      MHD_add_response_header(response, std::string(name).c_str(), std::string(value).c_str());
    }
    const MHD_Result queued = MHD_queue_response(connection, reply.status, response);
    MHD_destroy_response(response);
    return queued;
  }
};

namespace {

std::string describe(const ListenAddress& listen) {
  return (listen.ipv6() ? "[" + listen.address + "]" : listen.address) + ':' + std::to_string(listen.port);
}

}  // namespace

HttpServer::HttpServer(const ListenAddress& listen, const ServerLimits& limits, const TlsFiles& tls, Handler handler)
    : handler_(std::move(handler)),
      tls_(tls),
      guard_(limits.max_connections, std::chrono::seconds(limits.idle_timeout_seconds)) {
  sockaddr_storage address{};
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
  if (listen.ipv6()) {
    auto& ipv6 = reinterpret_cast<sockaddr_in6&>(address);
    ipv6.sin6_family = AF_INET6;
    ipv6.sin6_port = htons(listen.port);
    ::inet_pton(AF_INET6, listen.address.c_str(), &ipv6.sin6_addr);
    flags |= MHD_USE_IPv6;
  } else {
    auto& ipv4 = reinterpret_cast<sockaddr_in&>(address);
    ipv4.sin_family = AF_INET;
    ipv4.sin_port = htons(listen.port);
    ::inet_pton(AF_INET, listen.address.c_str(), &ipv4.sin_addr);
  }
  const bool https = !tls_.certificate_pem.empty();
  if (https) flags |= MHD_USE_TLS;
  // Options are passed as a list so the TLS ones can be left out for plain HTTP.
  std::vector<MHD_OptionItem> options = {
      {MHD_OPTION_SOCK_ADDR, 0, &address},
      // The guard keeps max_connections open; connections it evicted hold their
      // socket until their thread closes them, so libmicrohttpd's own cap, at which
      // it stops accepting, is twice that and not reached in normal operation.
      {MHD_OPTION_CONNECTION_LIMIT, 2 * static_cast<std::intptr_t>(limits.max_connections), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, limits.idle_timeout_seconds, nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, limits.connection_memory_bytes, nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, limits.threads, nullptr},
      {MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096, nullptr},
      // Reject requests that break the HTTP grammar (bare LF, spaces in header names).
      {MHD_OPTION_STRICT_FOR_CLIENT, 1, nullptr},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<std::intptr_t>(&HttpServerCallbacks::connection_event), this},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<std::intptr_t>(&HttpServerCallbacks::request_finished), this},
  };
  if (https) {
    options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, tls_.certificate_pem.data()});
    options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, tls_.key_pem.data()});
  }
  options.push_back({MHD_OPTION_END, 0, nullptr});
  errno = 0;
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &HttpServerCallbacks::answer, this, MHD_OPTION_ARRAY,
                             options.data(), MHD_OPTION_END);
  if (daemon_ == nullptr) {
    throw std::runtime_error("cannot listen on " + describe(listen) + ": " +
                             (errno != 0 ? std::strerror(errno) : "libmicrohttpd refused the settings"));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info != nullptr ? info->port : listen.port;
  deadline_thread_ = std::thread([this] { close_expired_connections(); });
}

HttpServer::~HttpServer() {
  // The deadline thread first: once libmicrohttpd has stopped, no descriptor the guard
  // might still name is the connection's any more.
  {
    const std::lock_guard lock(guard_mutex_);
    stopping_ = true;
  }
  wake_deadline_thread_.notify_one();
  deadline_thread_.join();
  MHD_stop_daemon(daemon_);
}

void HttpServer::close_expired_connections() {
  std::unique_lock lock(guard_mutex_);
  while (!stopping_) {
    while (const std::optional<int> expired = guard_.next_expired(ConnectionGuard::Clock::now())) evict(*expired);
    if (const auto deadline = guard_.next_deadline()) {
      wake_deadline_thread_.wait_until(lock, *deadline);
    } else {
      wake_deadline_thread_.wait(lock);
    }
  }
}

}  // namespace dnsstop::http
