// What the stop-page server answers to a request: the page, its status, its
// language. Everything here is decided from the request's Host, path and
// Accept-Language, never from who sent it.
//
// PageRenderer is built once at start (main thread) and then immutable: respond()
// from every server thread at once; O(size of the page), a few allocations.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"
#include "http/request.h"
#include "stoppage/accept_language.h"
#include "stoppage/templates.h"

namespace dnsstop::stoppage {

using http::Request;

// What the snapshot says about the check host's list (list_watcher.h).
struct ListFacts {
  bool known = false;  // false: no snapshot, or it does not list the check host
  std::string list_name;
  std::uint64_t serial = 0;
  std::uint64_t published_unix = 0;  // the list's, else the snapshot's creation time
};

struct Response {
  unsigned status = 0;
  Page page = Page::kStop;
  bool json = false;  // /check.json rather than the HTML page
  Language language = Language::kSwedish;
  std::string body;
  std::string_view content_type;
};

// "2 h 5 min", "3 d 4 h", "12 min", "0 min"; negative ages (clock skew) read as 0.
std::string format_age(std::int64_t seconds);
// "2026-11-22 17:00 UTC".
std::string format_utc(std::uint64_t unix_time);

class PageRenderer {
 public:
  PageRenderer(const StoppageConfig& config, TemplateSet templates);

  Response respond(const Request& request, const ListFacts& facts, std::int64_t now_unix) const;
  // The RFC 7725 header value sent with every 451: <URL>; rel="blocked-by".
  const std::string& link_header() const noexcept { return link_header_; }

 private:
  Response check_json(bool blocked, Language language, const ListFacts& facts, std::int64_t now_unix) const;

  StoppageConfig::Mode mode_;
  Language default_language_;
  std::string check_host_;
  TemplateSet templates_;
  std::string link_header_;
  // Configured texts, escaped once.
  std::string operator_html_;
  std::string operator_json_;
  std::string blocked_by_url_html_;
  std::string hotline_url_html_;
  std::string help_url_html_;
  std::string complaint_url_html_;
  std::string check_host_html_;
};

}  // namespace dnsstop::stoppage
