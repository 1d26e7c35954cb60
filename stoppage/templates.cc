#include "stoppage/templates.h"

#include <algorithm>
#include <iterator>

#include "core/file_io.h"

namespace dnsstop::stoppage {
namespace {

constexpr std::string_view kFieldNames[kFieldCount] = {
    "host", "operator", "blocked_by_url", "hotline_url", "help_url",
    "check_host", "list_name", "serial", "published", "age", "complaint_url"};
constexpr std::size_t kMaxTemplateBytes = 64 * 1024;

std::size_t line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

std::string_view field_name(Field field) noexcept { return kFieldNames[static_cast<std::size_t>(field)]; }

std::string_view page_name(Page page) noexcept {
  switch (page) {
    case Page::kStop: return "stop";
    case Page::kCheck: return "check";
    case Page::kNotBlocked: return "not_blocked";
  }
  return "?";
}

Template Template::parse(std::string_view text, std::string_view source) {
  Template parsed;
  std::size_t position = 0;
  while (true) {
    const std::size_t open = text.find("{{", position);
    Segment segment;
    segment.literal = std::string(text.substr(position, open - position));
    parsed.literal_bytes_ += segment.literal.size();
    if (open == std::string_view::npos) {
      parsed.segments_.push_back(std::move(segment));
      return parsed;
    }
    const std::size_t close = text.find("}}", open + 2);
    const auto fail = [&](const std::string& what) {
      throw TemplateError(std::string(source) + ':' + std::to_string(line_of(text, open)) + ": " + what);
    };
    if (close == std::string_view::npos) fail("placeholder opened with {{ and not closed with }}");
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const auto known = std::find(std::begin(kFieldNames), std::end(kFieldNames), name);
    if (known == std::end(kFieldNames)) {
      std::string names;
      for (const std::string_view field : kFieldNames) names += (names.empty() ? "" : ", ") + std::string(field);
      fail("unknown placeholder {{" + std::string(name.substr(0, 40)) + "}}; known: " + names);
    }
    segment.field = static_cast<int>(known - std::begin(kFieldNames));
    parsed.segments_.push_back(std::move(segment));
    position = close + 2;
  }
}

std::string Template::render(const FieldValues& values) const {
  std::size_t size = literal_bytes_;
  for (const Segment& segment : segments_) {
    if (segment.field >= 0) size += values[static_cast<std::size_t>(segment.field)].size();
  }
  std::string page;
  page.reserve(size);
  for (const Segment& segment : segments_) {
    page += segment.literal;
    if (segment.field >= 0) page += values[static_cast<std::size_t>(segment.field)];
  }
  return page;
}

TemplateSet TemplateSet::load(const std::string& directory) {
  TemplateSet set;
  for (const Page page : {Page::kStop, Page::kCheck, Page::kNotBlocked}) {
    for (const Language language : kLanguages) {
      const std::string path =
          directory + '/' + std::string(page_name(page)) + '.' + std::string(language_code(language)) + ".html";
      std::string text;
      try {
        text = read_whole_file(path, kMaxTemplateBytes);
      } catch (const FileError& error) {
        throw TemplateError(error.what());
      }
      set.templates_.push_back(Template::parse(text, path));
    }
  }
  return set;
}

}  // namespace dnsstop::stoppage
