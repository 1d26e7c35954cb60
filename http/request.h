// What an HTTP server (http_server.h) hands its handler and takes back: the request
// as far as a handler may see it (never the client's address), and the reply.
//
// Plain values; a Request points into the server's buffers and lives as long as the
// handler's call.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dnsstop::http {

struct Request {
  std::string_view host_header;  // "" when the request had none
  std::string_view path;         // without the query string
  std::string_view accept_language;
  std::string_view method = {};  // "GET", "POST", ... as received
};

struct Reply {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // into constants or owner
  std::shared_ptr<const void> owner;  // keeps what headers point into alive until they are sent;
                                      // released in the thread that called the handler
};

}  // namespace dnsstop::http
