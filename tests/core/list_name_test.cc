// Tests for the list-name rule.
#include "core/list_name.h"

#include <gtest/gtest.h>

#include <string>

namespace dnsstop {
namespace {

TEST(ListNameTest, OneTo32OfTheAllowedCharacters) {
  for (const char* name : {"police", "a", "Operator-2.list_B", "0"}) EXPECT_TRUE(is_valid_list_name(name)) << name;
  EXPECT_TRUE(is_valid_list_name(std::string(32, 'x')));
}

TEST(ListNameTest, RefusesEmptyLongAndOtherCharacters) {
  EXPECT_FALSE(is_valid_list_name(""));
  EXPECT_FALSE(is_valid_list_name(std::string(33, 'x')));
  for (const char* name : {"has space", "slash/", "colon:", "equals=", "p\xC3\xB6lice", "tab\t", "quote\""}) {
    EXPECT_FALSE(is_valid_list_name(name)) << name;
  }
  EXPECT_FALSE(is_valid_list_name(std::string_view("nul\0", 4)));
}

}  // namespace
}  // namespace dnsstop
