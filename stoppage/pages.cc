#include "stoppage/pages.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <utility>

#include "stoppage/html_escape.h"

namespace dnsstop::stoppage {
namespace {

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJson = "application/json";

}  // namespace

std::string format_age(std::int64_t seconds) {
  const std::int64_t minutes = seconds > 0 ? seconds / 60 : 0;
  const std::int64_t hours = minutes / 60;
  const std::int64_t days = hours / 24;
  if (days > 0) return std::to_string(days) + " d " + std::to_string(hours % 24) + " h";
  if (hours > 0) return std::to_string(hours) + " h " + std::to_string(minutes % 60) + " min";
  return std::to_string(minutes) + " min";
}

std::string format_utc(std::uint64_t unix_time) {
  const std::time_t time = static_cast<std::time_t>(unix_time);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &parts);
  return text;
}

PageRenderer::PageRenderer(const StoppageConfig& config, TemplateSet templates)
    : mode_(config.mode),
      default_language_(language_from_code(config.default_language, Language::kSwedish)),
      check_host_(config.check_host),
      templates_(std::move(templates)),
      link_header_("<" + config.blocked_by_url + ">; rel=\"blocked-by\""),
      operator_html_(html_escape(config.operator_name)),
      operator_json_(json_escape(config.operator_name)),
      blocked_by_url_html_(html_escape(config.blocked_by_url)),
      hotline_url_html_(html_escape(config.hotline_url)),
      help_url_html_(html_escape(config.help_url)),
      complaint_url_html_(html_escape(config.complaint_url.empty() ? config.blocked_by_url : config.complaint_url)),
      check_host_html_(html_escape(config.check_host)) {}

Response PageRenderer::respond(const Request& request, const ListFacts& facts, std::int64_t now_unix) const {
  const Language language = choose_language(request.accept_language, default_language_);
  const std::string host = host_from_header(request.host_header);
  const bool check_host = !check_host_.empty() && host == check_host_;
  const bool public_check = mode_ == StoppageConfig::Mode::kPublicCheck;
  if ((check_host || public_check) && request.path == "/check.json") {
    return check_json(!public_check, language, facts, now_unix);
  }

  Response response;
  response.language = language;
  response.content_type = kHtml;
  if (public_check) {
    response.status = 200;
    response.page = Page::kNotBlocked;
  } else if (check_host) {
    response.status = 200;
    response.page = Page::kCheck;
  } else {
    response.status = 451;
    response.page = Page::kStop;
  }
  const std::string host_html = html_escape(host);
  const std::string list_html = facts.known ? html_escape(facts.list_name) : "?";
  const std::string serial = facts.known ? std::to_string(facts.serial) : "?";
  const std::string published = facts.known ? format_utc(facts.published_unix) : "?";
  const std::string age = facts.known ? format_age(now_unix - static_cast<std::int64_t>(facts.published_unix)) : "?";
  FieldValues values;
  values[static_cast<std::size_t>(Field::kHost)] = host_html;
  values[static_cast<std::size_t>(Field::kOperator)] = operator_html_;
  values[static_cast<std::size_t>(Field::kBlockedByUrl)] = blocked_by_url_html_;
  values[static_cast<std::size_t>(Field::kHotlineUrl)] = hotline_url_html_;
  values[static_cast<std::size_t>(Field::kHelpUrl)] = help_url_html_;
  values[static_cast<std::size_t>(Field::kComplaintUrl)] = complaint_url_html_;
  values[static_cast<std::size_t>(Field::kCheckHost)] = check_host_html_;
  values[static_cast<std::size_t>(Field::kListName)] = list_html;
  values[static_cast<std::size_t>(Field::kSerial)] = serial;
  values[static_cast<std::size_t>(Field::kPublished)] = published;
  values[static_cast<std::size_t>(Field::kAge)] = age;
  response.body = templates_.get(response.page, language).render(values);
  return response;
}

Response PageRenderer::check_json(bool blocked, Language language, const ListFacts& facts,
                                  std::int64_t now_unix) const {
  Response response;
  response.status = 200;
  response.page = blocked ? Page::kCheck : Page::kNotBlocked;
  response.json = true;
  response.language = language;
  response.content_type = kJson;
  response.body = std::string("{\"blocked\":") + (blocked ? "true" : "false") + ",\"operator\":\"" +
                  operator_json_ + "\",\"check_host\":\"" + json_escape(check_host_) + "\"";
  if (blocked && facts.known) {
    char numbers[160];
    std::snprintf(numbers, sizeof numbers, ",\"serial\":%" PRIu64 ",\"published_unix\":%" PRIu64 ",\"age_seconds\":%" PRId64,
                  facts.serial, facts.published_unix,
                  std::max<std::int64_t>(0, now_unix - static_cast<std::int64_t>(facts.published_unix)));
    response.body += ",\"list\":\"" + json_escape(facts.list_name) + "\"" + numbers;
  } else if (blocked) {
    response.body += ",\"serial\":null,\"published_unix\":null,\"age_seconds\":null";
  }
  response.body += "}\n";
  return response;
}

}  // namespace dnsstop::stoppage
