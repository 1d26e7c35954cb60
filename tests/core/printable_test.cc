// Tests for printable and in_quotes: outside text made safe for messages.
#include "core/printable.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

TEST(PrintableTest, PrintableAsciiStaysEverythingElseBecomesHex) {
  EXPECT_EQ(printable("plain text 123"), "plain text 123");
  EXPECT_EQ(printable("tab\there"), "tab\\x09here");
  EXPECT_EQ(printable(std::string_view("nul\0", 4)), "nul\\x00");
  EXPECT_EQ(printable("back\\slash"), "back\\x5cslash");
  EXPECT_EQ(printable("\xE2\x80\xAE"), "\\xe2\\x80\\xae");  // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
}

TEST(PrintableTest, TheQuoteIsEscapedOnlyWhenQuoting) {
  EXPECT_EQ(printable("say \"hi\""), "say \"hi\"");
  EXPECT_EQ(in_quotes("say \"hi\""), "\"say \\x22hi\\x22\"");
  EXPECT_EQ(in_quotes("it's", '\''), "'it\\x27s'");
  EXPECT_EQ(quoted_char('\''), "'\\x27'");
  EXPECT_EQ(quoted_char('a'), "'a'");
}

TEST(PrintableTest, LongInputIsCutWithAnEllipsis) {
  EXPECT_EQ(printable(std::string(10, 'b'), 4), "bbbbb\xE2\x80\xA6");
  EXPECT_EQ(printable(std::string(5, 'b'), 4), "bbbbb");
  const std::string hostile(1000, '\x01');
  const std::string shown = in_quotes(hostile);
  EXPECT_LT(shown.size(), kMaxQuotedChars + 10);
  EXPECT_TRUE(shown.ends_with("\xE2\x80\xA6\"")) << shown;
}

}  // namespace
}  // namespace dnsstop
