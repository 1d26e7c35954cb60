// The operator's page templates (etc/stoppage/*.html): plain HTML with {{field}}
// placeholders, parsed once at start so that rendering a page is a few appends.
//
// parse()/load(): at start, main thread; O(size of the files), each at most 64 KiB.
// A parsed Template is immutable: render() from any number of threads at once,
// O(size of the page), one allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "stoppage/accept_language.h"

namespace dnsstop::stoppage {

// What a template may show. Values are escaped by the caller before rendering.
enum class Field : std::uint8_t {
  kHost,           // the blocked name, as the browser asked for it
  kOperator,       // stoppage.operator_name
  kBlockedByUrl,   // stoppage.blocked_by_url
  kHotlineUrl,     // stoppage.hotline_url
  kHelpUrl,        // stoppage.help_url
  kCheckHost,      // stoppage.check_host
  kListName,       // the list that holds the check host
  kSerial,         // that list's serial
  kPublished,      // when that list was published, "YYYY-MM-DD HH:MM UTC"
  kAge,            // how long ago, "2 h 5 min"
  kComplaintUrl,   // stoppage.complaint_url, or blocked_by_url when none is configured
};
inline constexpr std::size_t kFieldCount = 11;
using FieldValues = std::array<std::string_view, kFieldCount>;

// {{host}} and so on: the names the templates use.
std::string_view field_name(Field field) noexcept;

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Template {
 public:
  // Throws TemplateError("SOURCE:LINE: what") for an unknown or unclosed placeholder.
  static Template parse(std::string_view text, std::string_view source);
  std::string render(const FieldValues& values) const;

 private:
  struct Segment {
    std::string literal;  // written first
    int field = -1;       // then this field, if >= 0
  };
  std::vector<Segment> segments_;
  std::size_t literal_bytes_ = 0;
};

enum class Page : std::uint8_t { kStop, kCheck, kNotBlocked };
inline constexpr std::size_t kPageCount = 3;
// "stop", "check", "not_blocked": file names are PAGE.LANGUAGE.html.
std::string_view page_name(Page page) noexcept;

class TemplateSet {
 public:
  // Reads DIRECTORY/{stop,check,not_blocked}.{sv,en}.html. Throws TemplateError
  // naming the file when one is missing, unreadable, larger than 64 KiB or invalid.
  static TemplateSet load(const std::string& directory);
  const Template& get(Page page, Language language) const noexcept {
    return templates_[static_cast<std::size_t>(page) * 2 + static_cast<std::size_t>(language)];
  }

 private:
  std::vector<Template> templates_;  // by page, then language
};

}  // namespace dnsstop::stoppage
