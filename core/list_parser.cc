// parse_list: turns the text of one list file into canonical entries, line by line,
// and reports each line it skips. The format is specified in docs/list-format.md.
#include "core/list_parser.h"

#include <algorithm>

#include "core/name.h"

namespace dnsstop {
namespace {

constexpr std::size_t kMaxLineLength = 4096;
constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";
constexpr std::string_view kUrlPathProblem =
    "URL path cannot be enforced by DNS; the entry was not widened to the whole host";

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view text) noexcept {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

// Here and below, string_view::find (memchr) rather than a loop over bytes or
// find_first_of (one memchr per byte): these scans run on every line.
bool contains_blank(std::string_view text) noexcept {
  return text.find(' ') != std::string_view::npos || text.find('\t') != std::string_view::npos;
}

std::size_t count_lines(std::string_view text) noexcept {
  std::size_t count = 0;
  for (std::size_t start = 0; start < text.size(); ++count) {
    const std::size_t newline = text.find('\n', start);
    start = newline == std::string_view::npos ? text.size() : newline + 1;
  }
  return count;
}

// Removes the first line, with its LF or CRLF, from `text` and returns it without
// the line end.
std::string_view take_line(std::string_view& text) noexcept {
  std::string_view line = text;
  const std::size_t newline = text.find('\n');
  if (newline == std::string_view::npos) {
    text = {};
  } else {
    line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// A '#' starts a trailing comment only after whitespace; elsewhere it belongs to the
// entry (a URL fragment, or a typo that the name check then reports).
std::string_view strip_trailing_comment(std::string_view text) noexcept {
  for (std::size_t hash = text.find('#'); hash != std::string_view::npos; hash = text.find('#', hash + 1)) {
    if (hash > 0 && is_blank(text[hash - 1])) return text.substr(0, hash);
  }
  return text;
}

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

bool is_ascii_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool is_uri_scheme(std::string_view text) noexcept {
  if (text.empty() || !is_ascii_letter(text.front())) return false;
  for (char c : text) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool is_valid_port(std::string_view text) noexcept {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (!is_ascii_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
}

// The host name an entry stands for, or why it stands for none.
struct HostPart {
  std::string_view host;
  std::string_view problem;
  bool is_url_path = false;
};

HostPart host_part(std::string_view host) { return {.host = host, .problem = {}, .is_url_path = false}; }
HostPart refusal(std::string_view problem) { return {.host = {}, .problem = problem, .is_url_path = false}; }

HostPart host_from_authority(std::string_view authority) {
  if (authority.find('@') != std::string_view::npos) {
    return refusal("a URL with a user name (user@host) is not accepted; write the host alone");
  }
  if (authority.starts_with('[')) {
    return refusal("an IP address cannot be enforced by DNS blocking; list the name instead");
  }
  const std::size_t colon = authority.find(':');
  if (colon == std::string_view::npos) return host_part(authority);
  if (!is_valid_port(authority.substr(colon + 1))) return refusal("invalid port in URL");
  return host_part(authority.substr(0, colon));
}

// Where the host ends: at the first '/', '?' or (in a URL) '#'.
std::size_t find_host_end(std::string_view rest, bool is_url) noexcept {
  const std::size_t end = std::min(rest.find('/'), rest.find('?'));
  return is_url ? std::min(end, rest.find('#')) : end;
}

// Accepts "host", "host/", "http://host", "https://host:8080/". Anything after the
// host other than a lone '/' narrows the entry to part of a site, which DNS cannot
// do, so such lines are refused rather than silently widened to the whole host.
HostPart extract_host(std::string_view entry) {
  std::string_view rest = entry;
  bool is_url = false;
  if (const std::size_t scheme_end = entry.find("://");
      scheme_end != std::string_view::npos && is_uri_scheme(entry.substr(0, scheme_end))) {
    const std::string_view scheme = entry.substr(0, scheme_end);
    if (!equals_ignoring_ascii_case(scheme, "http") && !equals_ignoring_ascii_case(scheme, "https")) {
      return refusal("only http:// and https:// URLs are accepted");
    }
    rest.remove_prefix(scheme_end + 3);
    is_url = true;
  }
  const std::size_t host_end = find_host_end(rest, is_url);
  const std::string_view authority = rest.substr(0, host_end);
  if (host_end != std::string_view::npos && rest.substr(host_end) != "/") {
    return {.host = {}, .problem = kUrlPathProblem, .is_url_path = true};
  }
  return is_url ? host_from_authority(authority) : host_part(authority);
}

bool is_all_digits(std::string_view text) noexcept {
  for (char c : text) {
    if (!is_ascii_digit(c)) return false;
  }
  return true;
}

// What one content line yields: an entry, or a problem message.
struct LineOutcome {
  ListEntry entry;
  std::string problem;
  bool is_url_path = false;
};

LineOutcome problem(std::string message) { return {.entry = {}, .problem = std::move(message)}; }

LineOutcome wildcard_problem(std::string_view name_below_wildcard) {
  NormalizedName base = normalize_name(name_below_wildcard);
  if (!base.ok()) return problem(std::move(base.error));
  return problem("wildcards are not accepted: write \"" + base.name +
                 "\", which already covers every name below it");
}

LineOutcome entry_for_name(NormalizedName name, MatchScope scope) {
  if (!name.ok()) return problem(std::move(name.error));
  const std::size_t last_dot = name.name.rfind('.');
  if (last_dot == std::string::npos) {
    return problem("single-label name \"" + name.name + "\" would block a whole top-level domain");
  }
  // No top-level domain is all digits, so such a name can only be an IPv4 address.
  if (is_all_digits(std::string_view(name.name).substr(last_dot + 1))) {
    return problem("\"" + name.name + "\" is an IP address; DNS blocking works on names, not addresses");
  }
  return {.entry = {.name = std::move(name.name), .scope = scope}, .problem = {}};
}

LineOutcome parse_entry(std::string_view entry) {
  MatchScope scope = MatchScope::Subtree;
  if (entry.starts_with('=')) {
    scope = MatchScope::Exact;
    entry.remove_prefix(1);
    if (!entry.empty() && is_blank(entry.front())) {
      return problem("no space is allowed between '=' and the name");
    }
  }
  if (contains_blank(entry)) {
    return problem("whitespace inside the entry: write one name per line (hosts-file lines such as "
                   "\"0.0.0.0 example.com\" are not accepted)");
  }
  const HostPart host = extract_host(entry);
  if (!host.problem.empty()) {
    LineOutcome outcome = problem(std::string(host.problem));
    outcome.is_url_path = host.is_url_path;
    return outcome;
  }
  if (host.host.starts_with("*.")) return wildcard_problem(host.host.substr(2));
  return entry_for_name(normalize_name(host.host), scope);
}

class ListBuilder {
 public:
  // A line gives at most one entry, so reserving one per line means the vector
  // never regrows; regrowth took about a fifth of the time on a 10-million-line list.
  ListBuilder(std::string_view source, std::size_t line_count) : source_(source) {
    list_.entries.reserve(line_count);
  }

  void add_line(std::string_view line) {
    ++line_number_;
    if (line.size() > kMaxLineLength) {
      skip_content_line("line is longer than 4096 bytes");
      return;
    }
    const std::string_view trimmed = trim_blanks(line);
    if (trimmed.empty() || trimmed.front() == '#') return;

    LineOutcome outcome = parse_entry(trim_blanks(strip_trailing_comment(trimmed)));
    if (outcome.problem.empty()) {
      ++list_.content_lines;
      list_.entries.push_back(std::move(outcome.entry));
      return;
    }
    if (outcome.is_url_path) ++list_.url_path_lines;
    skip_content_line(outcome.problem);
  }

  ParsedList finish() && { return std::move(list_); }

 private:
  void skip_content_line(std::string_view message) {
    ++list_.content_lines;
    ++list_.skipped_lines;
    if (list_.problems.size() >= kMaxReportedProblems) return;
    std::string report;
    const std::string line_text = std::to_string(line_number_);
    report.reserve(source_.size() + line_text.size() + message.size() + 3);
    report.append(source_).append(":").append(line_text).append(": ").append(message);
    list_.problems.push_back(std::move(report));
  }

  std::string_view source_;
  std::size_t line_number_ = 0;
  ParsedList list_;
};

}  // namespace

ParsedList parse_list(std::string_view text, std::string_view source) {
  if (text.starts_with(kUtf8ByteOrderMark)) text.remove_prefix(kUtf8ByteOrderMark.size());
  ListBuilder builder(source, count_lines(text));
  while (!text.empty()) builder.add_line(take_line(text));
  return std::move(builder).finish();
}

}  // namespace dnsstop
