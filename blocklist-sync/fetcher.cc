// libcurl easy interface, one handle per Fetcher. Protocols are restricted to https
// (also for redirects) unless the test-only switch allows http.
#include "blocklist-sync/fetcher.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace dnsstop::sync {
namespace {

struct Transfer {
  std::string body;
  std::uint64_t max_bytes = 0;
  bool too_large = false;
  std::string etag;
  std::string last_modified;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.body.size() + bytes > transfer.max_bytes) {
    transfer.too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  transfer.body.append(data, bytes);
  return bytes;
}

std::string header_value(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || strncasecmp(line.data(), name.data(), name.size()) != 0) return {};
  std::string_view value = line.substr(name.size());
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  return std::string(value);
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // a new response (after a redirect): forget the last one's
    transfer.etag.clear();
    transfer.last_modified.clear();
  }
  if (std::string etag = header_value(line, "etag:"); !etag.empty()) transfer.etag = std::move(etag);
  if (std::string modified = header_value(line, "last-modified:"); !modified.empty()) {
    transfer.last_modified = std::move(modified);
  }
  return size * count;
}

Reason reason_of(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return Reason::kTls;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Reason::kPlainHttp;
    case CURLE_PARTIAL_FILE:  // the connection ended before Content-Length bytes
      return Reason::kTruncated;
    default:
      return Reason::kNetwork;
  }
}

}  // namespace

std::string sibling_url(const std::string& manifest_url, const std::string& file_name) {
  const std::size_t slash = manifest_url.rfind('/');
  return manifest_url.substr(0, slash + 1) + file_name;
}

Fetcher::Fetcher(const ListSourceConfig& source, std::uint32_t timeout_seconds)
    : source_(source), timeout_seconds_(timeout_seconds) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("libcurl cannot create a handle");
}

Fetcher::~Fetcher() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Download Fetcher::fetch(const std::string& url, std::uint64_t max_bytes, const Validators& validators,
                        Reason not_found) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  Transfer transfer;
  transfer.max_bytes = max_bytes;
  const char* protocols = source_.allow_plain_http ? "https,http" : "https";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds_));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min<std::uint32_t>(timeout_seconds_, 10)));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  if (!source_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, source_.ca_file.c_str());
  if (!source_.client_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, source_.client_cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, source_.client_key.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "dnsstop-sync/1");
  curl_slist* headers = nullptr;
  if (!validators.etag.empty()) headers = curl_slist_append(headers, ("If-None-Match: " + validators.etag).c_str());
  if (!validators.last_modified.empty()) {
    headers = curl_slist_append(headers, ("If-Modified-Since: " + validators.last_modified).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);

  ++requests_;
  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    throw Rejection(Reason::kOversized, url + ": larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (code != CURLE_OK) {
    throw Rejection(reason_of(code), url + ": " + (error_text[0] != '\0' ? error_text : curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  Download download;
  if (status == 304 && (!validators.etag.empty() || !validators.last_modified.empty())) {
    download.not_modified = true;
    return download;
  }
  if (status == 404) throw Rejection(not_found, url + ": HTTP status 404");
  if (status != 200) throw Rejection(Reason::kNetwork, url + ": HTTP status " + std::to_string(status));
  download.body = std::move(transfer.body);
  download.etag = std::move(transfer.etag);
  download.last_modified = std::move(transfer.last_modified);
  return download;
}

}  // namespace dnsstop::sync
