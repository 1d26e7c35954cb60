// HTTPS downloads for dnsstop-sync, with libcurl: TLS verified against the
// configured CA, optional client certificate, size and time bounds, conditional
// requests (ETag, If-Modified-Since).
//
// One Fetcher per thread (it owns a curl handle, which reuses the connection between
// the manifest, signature and list of one round). Each fetch blocks for at most the
// configured timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "blocklist-sync/rejection.h"
#include "core/config.h"

namespace dnsstop::sync {

struct Download {
  bool not_modified = false;  // 304: the server's copy is the one named by the validators
  std::string body;
  std::string etag;
  std::string last_modified;
};

// Validators from the previous download of the same URL; empty: unconditional.
struct Validators {
  std::string etag;
  std::string last_modified;
};

class Fetcher {
 public:
  Fetcher(const ListSourceConfig& source, std::uint32_t timeout_seconds);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // Throws Rejection (kNetwork, kTls, kPlainHttp, kOversized) on failure. `max_bytes`
  // bounds the body; an HTTP status other than 200 (or 304 when conditional) fails.
  // A 404 throws `not_found` (a missing signature is not a network failure).
  Download fetch(const std::string& url, std::uint64_t max_bytes, const Validators& validators = {},
                 Reason not_found = Reason::kNetwork);

  // How many HTTP requests this fetcher has made (for the one-request polling check).
  std::uint64_t requests() const noexcept { return requests_; }

 private:
  const ListSourceConfig& source_;
  std::uint32_t timeout_seconds_;
  void* curl_;  // CURL*, kept opaque so that only fetcher.cc includes curl.h
  std::uint64_t requests_ = 0;
};

// The URL of `file_name` beside the manifest at `manifest_url`.
std::string sibling_url(const std::string& manifest_url, const std::string& file_name);

}  // namespace dnsstop::sync
