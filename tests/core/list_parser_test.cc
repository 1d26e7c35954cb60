// Tests for parse_list: the list format line by line, the counters, and the exact
// shape and cap of problem reports.
#include "core/list_parser.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace dnsstop {

// Found by argument-dependent lookup, so failures show entries as a list would.
void PrintTo(const ListEntry& entry, std::ostream* out) {
  *out << (entry.scope == MatchScope::Exact ? "=" : "") << entry.name;
}

namespace {

using Entries = std::vector<ListEntry>;
using Problems = std::vector<std::string>;

ListEntry subtree(std::string name) { return {.name = std::move(name), .scope = MatchScope::Subtree}; }
ListEntry exact(std::string name) { return {.name = std::move(name), .scope = MatchScope::Exact}; }


// Parses a one-line list that must be rejected and returns its one problem.
std::string problem_of(std::string_view line) {
  const ParsedList list = parse_list(line, "list.txt");
  EXPECT_EQ(list.entries, Entries{});
  EXPECT_EQ(list.content_lines, 1u);
  EXPECT_EQ(list.skipped_lines, 1u);
  EXPECT_EQ(list.problems.size(), 1u);
  return list.problems.empty() ? std::string() : list.problems.front();
}

constexpr std::string_view kUrlPathMessage =
    "URL path cannot be enforced by DNS; the entry was not widened to the whole host";

TEST(ListParserTest, EmptyFileHasNoEntriesAndNoProblems) {
  const ParsedList list = parse_list("", "empty.txt");
  EXPECT_TRUE(list.entries.empty());
  EXPECT_TRUE(list.problems.empty());
  EXPECT_EQ(list.content_lines, 0u);
  EXPECT_EQ(list.skipped_lines, 0u);
  EXPECT_EQ(list.url_path_lines, 0u);
}

TEST(ListParserTest, FileOfOnlyCommentsAndBlankLines) {
  const ParsedList list = parse_list("# header\n\n   \n\t\n  # indented comment\n#\n", "c.txt");
  EXPECT_TRUE(list.entries.empty());
  EXPECT_TRUE(list.problems.empty());
  EXPECT_EQ(list.content_lines, 0u);
}

TEST(ListParserTest, PlainNameIsSubtreeEntry) {
  const ParsedList list = parse_list("example.com\n", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("example.com")}));
  EXPECT_EQ(list.content_lines, 1u);
  EXPECT_EQ(list.skipped_lines, 0u);
}

TEST(ListParserTest, EqualsPrefixMakesExactEntry) {
  const ParsedList list = parse_list("=www.example.com\n=HTTPS://Shop.Example.com/\n", "l");
  EXPECT_EQ(list.entries, (Entries{exact("www.example.com"), exact("shop.example.com")}));
}

TEST(ListParserTest, RejectsSpaceAfterEquals) {
  EXPECT_EQ(problem_of("= www.example.com"), "list.txt:1: no space is allowed between '=' and the name");
}

TEST(ListParserTest, NormalizesNames) {
  const ParsedList list = parse_list("WWW.Example.COM.\nB\xC3\xBC" "cher.example\n", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("www.example.com"), subtree("xn--bcher-kva.example")}));
}

TEST(ListParserTest, LastLineMayLackNewline) {
  const ParsedList list = parse_list("a.example\nb.example", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example"), subtree("b.example")}));
  EXPECT_EQ(list.content_lines, 2u);
}

TEST(ListParserTest, AcceptsCrlfLineEnds) {
  const ParsedList list = parse_list("# comment\r\na.example\r\n\r\n=b.example  \r\nc.example", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example"), exact("b.example"), subtree("c.example")}));
  EXPECT_TRUE(list.problems.empty());
}

TEST(ListParserTest, IgnoresByteOrderMarkAtStart) {
  const ParsedList list = parse_list("\xEF\xBB\xBF# comment\na.example\n", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example")}));
  EXPECT_TRUE(list.problems.empty());
  EXPECT_EQ(list.content_lines, 1u);
}

TEST(ListParserTest, ByteOrderMarkElsewhereIsPartOfTheLine) {
  // Only a mark at the very start is dropped: this line is an entry, not a comment.
  const ParsedList list = parse_list("a.example\n\xEF\xBB\xBF# not a comment\n", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example")}));
  EXPECT_EQ(list.content_lines, 2u);
  EXPECT_EQ(list.problems, (Problems{"l:2: whitespace inside the entry: write one name per line "
                                     "(hosts-file lines such as \"0.0.0.0 example.com\" are not accepted)"}));
}

TEST(ListParserTest, TrimsBlanksAndStripsTrailingComments) {
  const ParsedList list = parse_list(
      "  \ta.example\t \n"
      "b.example # seized 2024-01-02\n"
      "=c.example\t# exact only\n",
      "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example"), subtree("b.example"), exact("c.example")}));
  EXPECT_EQ(list.content_lines, 3u);
}

TEST(ListParserTest, HashWithoutBlankBeforeItIsPartOfEntry) {
  EXPECT_EQ(problem_of("a.example#note"), "list.txt:1: character '#' is not allowed in a name");
}

TEST(ListParserTest, AcceptsUrlsWithoutPath) {
  const ParsedList list = parse_list(
      "http://a.example\n"
      "https://b.example/\n"
      "HTTP://C.example:8080/\n"
      "https://d.example:443\n"
      "=http://e.example/\n"
      "f.example/\n",
      "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example"), subtree("b.example"), subtree("c.example"),
                                        subtree("d.example"), exact("e.example"), subtree("f.example")}));
  EXPECT_TRUE(list.problems.empty());
  EXPECT_EQ(list.url_path_lines, 0u);
}

TEST(ListParserTest, AcceptsUrlsWithInternationalHosts) {
  const ParsedList list =
      parse_list("https://B\xC3\xBC" "cher.example/\n=http://b\xC3\xBC" "cher.example:81\n", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("xn--bcher-kva.example"), exact("xn--bcher-kva.example")}));
  EXPECT_TRUE(list.problems.empty());
}

TEST(ListParserTest, RejectsUrlWithPathInsteadOfWideningIt) {
  for (std::string_view line : {"http://a.example/page.html", "https://a.example:8443/dir/",
                                "http://a.example//", "=https://a.example/x", "a.example/path",
                                "a.example//", "//a.example"}) {
    const ParsedList list = parse_list(line, "list.txt");
    EXPECT_TRUE(list.entries.empty()) << line;
    EXPECT_EQ(list.url_path_lines, 1u) << line;
    EXPECT_EQ(list.skipped_lines, 1u) << line;
    EXPECT_EQ(list.problems, (Problems{"list.txt:1: " + std::string(kUrlPathMessage)})) << line;
  }
}

TEST(ListParserTest, RejectsUrlWithQueryOrFragment) {
  for (std::string_view line : {"http://a.example?q=1", "https://a.example/?q=1", "http://a.example#top",
                                "https://a.example/#top", "a.example?q=1"}) {
    const ParsedList list = parse_list(line, "list.txt");
    EXPECT_TRUE(list.entries.empty()) << line;
    EXPECT_EQ(list.url_path_lines, 1u) << line;
    EXPECT_EQ(list.problems, (Problems{"list.txt:1: " + std::string(kUrlPathMessage)})) << line;
  }
}

TEST(ListParserTest, RejectsOtherSchemes) {
  EXPECT_EQ(problem_of("ftp://a.example/"), "list.txt:1: only http:// and https:// URLs are accepted");
  EXPECT_EQ(problem_of("hxxp://a.example"), "list.txt:1: only http:// and https:// URLs are accepted");
}

TEST(ListParserTest, RejectsUserinfo) {
  EXPECT_EQ(problem_of("http://user@a.example/"),
            "list.txt:1: a URL with a user name (user@host) is not accepted; write the host alone");
  EXPECT_EQ(problem_of("https://user:secret@a.example"),
            "list.txt:1: a URL with a user name (user@host) is not accepted; write the host alone");
}

TEST(ListParserTest, RejectsBadPorts) {
  EXPECT_EQ(problem_of("http://a.example:http/"), "list.txt:1: invalid port in URL");
  EXPECT_EQ(problem_of("http://a.example:65536/"), "list.txt:1: invalid port in URL");
  EXPECT_EQ(problem_of("http://a.example:/"), "list.txt:1: invalid port in URL");
}

TEST(ListParserTest, PortWithoutSchemeIsNotAName) {
  EXPECT_EQ(problem_of("a.example:8080"), "list.txt:1: character ':' is not allowed in a name");
}

TEST(ListParserTest, RejectsWildcardAndSuggestsTheBaseName) {
  EXPECT_EQ(problem_of("*.Example.com"),
            "list.txt:1: wildcards are not accepted: write \"example.com\", which already covers every name "
            "below it");
  EXPECT_EQ(problem_of("=*.example.com"),
            "list.txt:1: wildcards are not accepted: write \"example.com\", which already covers every name "
            "below it");
  EXPECT_EQ(problem_of("*.bad!.example"), "list.txt:1: character '!' is not allowed in a name");
  EXPECT_EQ(problem_of("*example.com"), "list.txt:1: character '*' is not allowed in a name");
}

TEST(ListParserTest, RejectsSingleLabelName) {
  EXPECT_EQ(problem_of("com"), "list.txt:1: single-label name \"com\" would block a whole top-level domain");
  EXPECT_EQ(problem_of("=COM."),
            "list.txt:1: single-label name \"com\" would block a whole top-level domain");
  EXPECT_EQ(problem_of("http://localhost/"),
            "list.txt:1: single-label name \"localhost\" would block a whole top-level domain");
}

TEST(ListParserTest, RejectsIpAddresses) {
  EXPECT_EQ(problem_of("192.0.2.1"),
            "list.txt:1: \"192.0.2.1\" is an IP address; DNS blocking works on names, not addresses");
  EXPECT_EQ(problem_of("http://198.51.100.7:8080/"),
            "list.txt:1: \"198.51.100.7\" is an IP address; DNS blocking works on names, not addresses");
  EXPECT_EQ(problem_of("http://[2001:db8::1]/"),
            "list.txt:1: an IP address cannot be enforced by DNS blocking; list the name instead");
  // A digit-only label elsewhere is an ordinary name.
  EXPECT_EQ(parse_list("123.example\n", "l").entries, (Entries{subtree("123.example")}));
}

TEST(ListParserTest, RejectsHostsFileLines) {
  const std::string expected =
      "list.txt:1: whitespace inside the entry: write one name per line (hosts-file lines such as "
      "\"0.0.0.0 example.com\" are not accepted)";
  EXPECT_EQ(problem_of("0.0.0.0 example.com"), expected);
  EXPECT_EQ(problem_of("127.0.0.1\texample.com # ad"), expected);
  EXPECT_EQ(problem_of("a.example b.example"), expected);
}

TEST(ListParserTest, RejectsOverlongLineWithoutCopyingIt) {
  const std::string line = "a." + std::string(4095, 'x');
  const std::string problem = problem_of(line + "\n");
  EXPECT_EQ(problem, "list.txt:1: line is longer than 4096 bytes");
}

TEST(ListParserTest, LineOfExactly4096BytesIsParsedNormally) {
  // Reaches the name checks instead of the line-length check.
  const std::string line = std::string(4096 - 10, ' ') + "a.example#";
  ASSERT_EQ(line.size(), 4096u);
  EXPECT_EQ(problem_of(line), "list.txt:1: character '#' is not allowed in a name");
}

TEST(ListParserTest, OverlongCommentIsReportedToo) {
  // Otherwise a file with lone-CR line ends would pass as one long comment.
  EXPECT_EQ(problem_of("# " + std::string(5000, 'c')), "list.txt:1: line is longer than 4096 bytes");
}

TEST(ListParserTest, RejectsInvalidUtf8) {
  EXPECT_EQ(problem_of("bad\xFF.example"), "list.txt:1: not valid UTF-8");
}

TEST(ListParserTest, InvalidUtf8InCommentIsIgnored) {
  const ParsedList list = parse_list("# caf\xE9\na.example # na\xEFve\n", "l");
  EXPECT_EQ(list.entries, (Entries{subtree("a.example")}));
  EXPECT_TRUE(list.problems.empty());
}

TEST(ListParserTest, ReportsNameErrorsWithFileAndLinePrefix) {
  const ParsedList list =
      parse_list("# head\n\ngood.example\nbad..example\n=\nx_y.example\n", "/etc/dnsstop/block.txt");
  EXPECT_EQ(list.entries, (Entries{subtree("good.example"), subtree("x_y.example")}));
  EXPECT_EQ(list.problems, (Problems{"/etc/dnsstop/block.txt:4: empty label (two dots in a row)",
                                         "/etc/dnsstop/block.txt:5: empty name"}));
  EXPECT_EQ(list.content_lines, 4u);
  EXPECT_EQ(list.skipped_lines, 2u);
  EXPECT_EQ(list.url_path_lines, 0u);
}

TEST(ListParserTest, NulByteInLineIsRejected) {
  using namespace std::string_literals;
  const ParsedList list = parse_list("a.example\0.evil\nb.example\n"s, "l");
  EXPECT_EQ(list.entries, (Entries{subtree("b.example")}));
  EXPECT_EQ(list.problems, (Problems{"l:1: character '\\x00' is not allowed in a name"}));
}

TEST(ListParserTest, KeepsDuplicates) {
  const ParsedList list = parse_list("a.example\nA.example.\n=a.example\na.example\n", "l");
  EXPECT_EQ(list.entries,
            (Entries{subtree("a.example"), subtree("a.example"), exact("a.example"), subtree("a.example")}));
}

TEST(ListParserTest, CapsProblemsButCountsEveryLine) {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += "bad*name.example\n";
    text += i % 2 == 0 ? "http://a.example/path\n" : "ok.example\n";
    text += "# comment\n";
  }
  const ParsedList list = parse_list(text, "big.txt");
  EXPECT_EQ(list.problems.size(), kMaxReportedProblems);
  EXPECT_EQ(list.content_lines, 10000u);
  EXPECT_EQ(list.skipped_lines, 7500u);
  EXPECT_EQ(list.url_path_lines, 2500u);
  EXPECT_EQ(list.entries.size(), 2500u);
  EXPECT_EQ(list.problems.front(), "big.txt:1: character '*' is not allowed in a name");
  EXPECT_EQ(list.problems[1], "big.txt:2: " + std::string(kUrlPathMessage));
  // Groups of three lines yield 2, 1, 2, 1, ... problems, so groups 0..665 yield
  // 999 and the 1000th is the first line of group 666: line 3 * 666 + 1.
  EXPECT_EQ(list.problems.back(), "big.txt:1999: character '*' is not allowed in a name");
}

TEST(ListParserTest, ProblemsAreInLineOrderWithExactLineNumbers) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "bad name\n";
  const ParsedList list = parse_list(text, "f");
  ASSERT_EQ(list.problems.size(), kMaxReportedProblems);
  EXPECT_EQ(list.content_lines, 5000u);
  EXPECT_EQ(list.skipped_lines, 5000u);
  for (std::size_t i = 0; i < list.problems.size(); ++i) {
    ASSERT_TRUE(list.problems[i].starts_with("f:" + std::to_string(i + 1) + ": ")) << list.problems[i];
  }
}

}  // namespace
}  // namespace dnsstop
