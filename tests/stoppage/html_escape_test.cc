// html_escape, json_escape and host_from_header on hostile input.
#include "stoppage/html_escape.h"

#include <gtest/gtest.h>

#include <string>

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
