// choose_language: q-values, order, regions, wildcards and malformed headers.
#include "stoppage/accept_language.h"

#include <gtest/gtest.h>

#include <string>

namespace dnsstop::stoppage {
namespace {

constexpr Language kSv = Language::kSwedish;
constexpr Language kEn = Language::kEnglish;

TEST(AcceptLanguageTest, EmptyOrUnknownGivesFallback) {
  EXPECT_EQ(choose_language("", kSv), kSv);
  EXPECT_EQ(choose_language("", kEn), kEn);
  EXPECT_EQ(choose_language("de-DE, fr;q=0.8", kEn), kEn);
  EXPECT_EQ(choose_language(",,;;==", kSv), kSv);
}

TEST(AcceptLanguageTest, HighestWeightWins) {
  EXPECT_EQ(choose_language("en-US,en;q=0.9,sv;q=0.8", kSv), kEn);
  EXPECT_EQ(choose_language("de, en;q=0.5, sv;q=0.7", kEn), kSv);
  EXPECT_EQ(choose_language("sv;q=0.001, en;q=0.002", kSv), kEn);
  EXPECT_EQ(choose_language("en;q=0.9, sv", kEn), kSv);
}

TEST(AcceptLanguageTest, EqualWeightKeepsTheFirstNamed) {
  EXPECT_EQ(choose_language("sv, en", kEn), kSv);
  EXPECT_EQ(choose_language("en;q=0.5, sv;q=0.5", kSv), kEn);
}

TEST(AcceptLanguageTest, RegionsAndCaseCount) {
  EXPECT_EQ(choose_language("SV-fi", kEn), kSv);
  EXPECT_EQ(choose_language("En-GB", kSv), kEn);
  EXPECT_EQ(choose_language("svx, enx", kSv), kSv);  // not sv or en at all
  EXPECT_EQ(choose_language("svx, enx", kEn), kEn);
}

TEST(AcceptLanguageTest, ZeroWeightAndWildcard) {
  EXPECT_EQ(choose_language("en;q=0", kSv), kSv);
  EXPECT_EQ(choose_language("sv;q=0, *", kEn), kEn);
  EXPECT_EQ(choose_language("*, en;q=0.5", kSv), kSv);
}

TEST(AcceptLanguageTest, MalformedWeightsAreIgnored) {
  EXPECT_EQ(choose_language("en;q=2, sv;q=0.1", kEn), kSv);
  EXPECT_EQ(choose_language("en;q=abc", kSv), kSv);
  EXPECT_EQ(choose_language("en;q=0.12345", kSv), kSv);
  EXPECT_EQ(choose_language("en;q=1.5", kSv), kSv);
  EXPECT_EQ(choose_language("en;q=", kSv), kSv);
  EXPECT_EQ(choose_language(std::string(100000, ','), kEn), kEn);
}

TEST(AcceptLanguageTest, Codes) {
  EXPECT_EQ(language_code(kSv), "sv");
  EXPECT_EQ(language_code(kEn), "en");
  EXPECT_EQ(language_from_code("en", kSv), kEn);
  EXPECT_EQ(language_from_code("fi", kSv), kSv);
}

}  // namespace
}  // namespace dnsstop::stoppage
