// Tests for parse_decimal and is_plain_decimal: what every dnsstop format and option accepts as a number.
#include "core/decimal.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

TEST(DecimalTest, PlainNumbersUpToTheLimit) {
  EXPECT_EQ(parse_decimal("0"), 0u);
  EXPECT_EQ(parse_decimal("4711"), 4711u);
  EXPECT_EQ(parse_decimal("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_decimal("65535", 65535), 65535u);
}

TEST(DecimalTest, AnythingElseIsRefused) {
  for (const char* text : {"", "80x", "x80", " 80", "80 ", "+80", "-1", "010", "00", "1e3", "0x10", "1.5",
                           "18446744073709551616"}) {
    EXPECT_EQ(parse_decimal(text), std::nullopt) << '"' << text << '"';
  }
  EXPECT_EQ(parse_decimal("70000", 65535), std::nullopt);
}

// The shape alone, whatever the size: the configuration tells "too large" apart
// from "not a number".
TEST(DecimalTest, PlainDecimalShape) {
  for (const char* text : {"0", "7", "4711", "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_TRUE(is_plain_decimal(text)) << '"' << text << '"';
  }
  for (const char* text : {"", "80x", " 80", "+80", "-1", "010", "00", "0x10", "1.5"}) {
    EXPECT_FALSE(is_plain_decimal(text)) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace dnsstop
