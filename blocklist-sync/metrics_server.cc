// A libmicrohttpd daemon per address, each with its own polling thread; few
// connections, short timeouts: only a Prometheus server on the same host calls.
#include "blocklist-sync/metrics_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace dnsstop::sync {
namespace {

MHD_Result answer(MHD_Connection* connection, unsigned status, const std::string& body) {
  MHD_Response* response = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                           MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  const MHD_Result result = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return result;
}

MHD_Result handle(void* server, MHD_Connection* connection, const char* url, const char* method, const char*,
                  const char*, size_t*, void**) {
  if (std::strcmp(method, "GET") != 0) return answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
  if (std::strcmp(url, "/metrics") != 0) return answer(connection, MHD_HTTP_NOT_FOUND, "see /metrics\n");
  return answer(connection, MHD_HTTP_OK, static_cast<const MetricsServer*>(server)->text());
}

}  // namespace

MetricsServer::MetricsServer(const std::vector<ListenAddress>& listen) {
  for (const ListenAddress& address : listen) {
    sockaddr_in ipv4{};
    sockaddr_in6 ipv6{};
    const sockaddr* socket_address = nullptr;
    if (address.ipv6()) {
      ipv6.sin6_family = AF_INET6;
      ipv6.sin6_port = htons(address.port);
      ::inet_pton(AF_INET6, address.address.c_str(), &ipv6.sin6_addr);
      socket_address = reinterpret_cast<const sockaddr*>(&ipv6);
    } else {
      ipv4.sin_family = AF_INET;
      ipv4.sin_port = htons(address.port);
      ::inet_pton(AF_INET, address.address.c_str(), &ipv4.sin_addr);
      socket_address = reinterpret_cast<const sockaddr*>(&ipv4);
    }
    MHD_Daemon* daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | (address.ipv6() ? MHD_USE_IPv6 : 0), address.port,
        nullptr, nullptr, &handle, this, MHD_OPTION_SOCK_ADDR, socket_address, MHD_OPTION_CONNECTION_LIMIT, 16U,
        MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
    if (daemon == nullptr) {
      for (MHD_Daemon* started : daemons_) MHD_stop_daemon(started);
      throw std::runtime_error("metrics: cannot listen on " + address.address + " port " +
                               std::to_string(address.port));
    }
    daemons_.push_back(daemon);
  }
}

MetricsServer::~MetricsServer() {
  for (MHD_Daemon* daemon : daemons_) MHD_stop_daemon(daemon);
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
