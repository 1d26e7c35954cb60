// load_document (core/config_reader.h): the configuration file as one YAML document,
// with yaml-cpp 0.7's (bookworm) pitfalls worked around: tabs, stray commas, deep
// nesting.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include <sstream>

#include "core/config_reader.h"

namespace dnsstop::config_reader {
namespace {

YAML::Mark mark_at(std::size_t line, std::size_t column) {
  YAML::Mark mark;
  mark.line = static_cast<int>(line);
  mark.column = static_cast<int>(column);
  return mark;
}

// YAML forbids tabs in indentation, and yaml-cpp reports them as unrelated syntax
// errors ("illegal map value"), so they are looked for first.
void reject_tabs_in_indentation(std::string_view text, std::string_view source) {
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size(); ++line_number) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    const std::size_t content = line.find_first_not_of(" \t");
    const bool blank_or_comment =
        content == std::string_view::npos || line[content] == '#' || line[content] == '\r';
    const std::size_t tab = line.substr(0, content).find('\t');
    if (!blank_or_comment && tab != std::string_view::npos) {
      fail(source, mark_at(line_number, tab), "", "tab in indentation; YAML indents with spaces only");
    }
    start = end + 1;
  }
}

// Records where each document starts and ignores everything else.
class DocumentStartRecorder : public YAML::EventHandler {
 public:
  explicit DocumentStartRecorder(std::vector<YAML::Mark>& starts) : starts_(starts) {}
  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark>& starts_;
};

}  // namespace

void fail_too_large(std::string_view source) {
  fail(source, YAML::Mark::null_mark(), "",
       "larger than " + std::to_string(kMaxConfigBytes) + " bytes; this is not a configuration file");
}

YAML::Node load_document(std::string_view text, std::string_view source) {
  if (text.size() > kMaxConfigBytes) fail_too_large(source);
  reject_tabs_in_indentation(text, source);
  YAML::Node document;
  std::vector<YAML::Mark> document_starts;
  try {
    document = YAML::Load(std::string(text));
    // Not YAML::LoadAll: yaml-cpp 0.7 (bookworm) never stops on a stray ',' at the
    // top level and fills memory with empty documents. Counting document starts,
    // and stopping at the second, needs only the event parser.
    std::istringstream stream{std::string(text)};
    YAML::Parser parser(stream);
    DocumentStartRecorder recorder(document_starts);
    while (document_starts.size() < 2 && parser.HandleNextDocument(recorder)) {
    }
  } catch (const YAML::DeepRecursion& error) {
    fail(source, error.mark, "", "YAML collections nested too deeply");
  } catch (const YAML::Exception& error) {
    fail(source, error.mark, "", "YAML syntax: " + error.msg);
  }
  // The caller tells a file without settings so, however many documents it holds.
  if (document.IsNull()) return document;
  if (document_starts.size() > 1) {
    fail(source, document_starts[1], "", "a configuration file holds one YAML document, not several");
  }
  return document;
}

}  // namespace dnsstop::config_reader
