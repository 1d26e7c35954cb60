// html_escape, json_escape and host_from_header on hostile input.
#include "stoppage/html_escape.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace dnsstop::stoppage {
namespace {

TEST(HtmlEscapeTest, EscapesMarkupAndQuotes) {
  EXPECT_EQ(html_escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
  EXPECT_EQ(html_escape("plain.example"), "plain.example");
  EXPECT_EQ(html_escape(""), "");
}

TEST(HtmlEscapeTest, ControlBytesBecomeReplacementCharacters) {
  EXPECT_EQ(html_escape(std::string("a\0b\r\n\x7f", 6)), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("bl\xC3\xA5"), "bl\xC3\xA5");  // UTF-8 passes through
}

TEST(HtmlEscapeTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  constexpr std::string_view kFffd = "\xEF\xBF\xBD";
  const auto times = [&](int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += kFffd;
    return text;
  };
  EXPECT_EQ(html_escape("a\xFF\xFE\xC0" "b"), "a" + times(3) + "b");
  // Every length of well-formed sequence passes, at the edges of its ranges.
  EXPECT_EQ(html_escape("\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"),
            "\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF");
  EXPECT_EQ(html_escape("\xC1\xBF"), times(2));                   // overlong 2-byte form
  EXPECT_EQ(html_escape("\xE0\x9F\xBF"), times(3));              // overlong 3-byte form
  EXPECT_EQ(html_escape("\xED\xA0\x80"), times(3));              // a UTF-16 surrogate
  EXPECT_EQ(html_escape("\xF4\x90\x80\x80"), times(4));         // above U+10FFFF
  EXPECT_EQ(html_escape("\xE2\x82" "x"), times(1) + "x");         // cut short: one for the subpart
  EXPECT_EQ(html_escape("\xF0\x9F\x98"), times(1));              // cut short at the end
  EXPECT_EQ(html_escape("\x80<"), times(1) + "&lt;");              // a stray continuation byte
}

TEST(JsonEscapeTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\u000a\\u0001");
  EXPECT_EQ(json_escape("Telekom AB"), "Telekom AB");
}

TEST(HostFromHeaderTest, DropsPortAndTrailingDotAndLowers) {
  EXPECT_EQ(host_from_header("WWW.Example.COM:8080"), "www.example.com");
  EXPECT_EQ(host_from_header("www.example.com."), "www.example.com");
  EXPECT_EQ(host_from_header("[2001:DB8::1]:80"), "[2001:db8::1]");
  EXPECT_EQ(host_from_header("[2001:db8::1]"), "[2001:db8::1]");
  EXPECT_EQ(host_from_header(""), "");
  EXPECT_EQ(host_from_header("<b>:1"), "<b>");  // not validated: escaped when shown
}

TEST(HostFromHeaderTest, CutsTo253Bytes) {
  EXPECT_EQ(host_from_header(std::string(10000, 'a')).size(), 253u);
}

}  // namespace
}  // namespace dnsstop::stoppage
