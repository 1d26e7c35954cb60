// Tests for split: the pieces between separators, as the line and word readers use them.
#include "core/split.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

using Pieces = std::vector<std::string_view>;

TEST(SplitTest, PiecesBetweenSeparators) {
  EXPECT_EQ(split("a\nbc\nd", '\n'), (Pieces{"a", "bc", "d"}));
  EXPECT_EQ(split("serial 7 x", ' '), (Pieces{"serial", "7", "x"}));
}

TEST(SplitTest, AFinalSeparatorStartsNoEmptyPiece) {
  EXPECT_EQ(split("a\nb\n", '\n'), (Pieces{"a", "b"}));
  EXPECT_EQ(split("", '\n'), Pieces{});
  EXPECT_EQ(split("\n", '\n'), (Pieces{""}));
}

TEST(SplitTest, EmptyPiecesInsideAreKept) {
  EXPECT_EQ(split("a\n\nb", '\n'), (Pieces{"a", "", "b"}));
  EXPECT_EQ(split(" a", ' '), (Pieces{"", "a"}));
}

TEST(SplitTest, TrimmedDropsBlanksAtTheEndsOnly) {
  EXPECT_EQ(trimmed(" \t a b\r"), "a b");
  EXPECT_EQ(trimmed(" \t\r"), "");
  EXPECT_EQ(trimmed("a"), "a");
}

}  // namespace
}  // namespace dnsstop
