// Tests for normalize_name: canonical folding, IDN conversion, every limit at and
// just past its boundary, and the wording and safety of error messages.
#include "core/name.h"

#include <gtest/gtest.h>

#include <string>

namespace dnsstop {
namespace {

std::string normalized_or_error(std::string_view input) {
  const NormalizedName result = normalize_name(input);
  return result.ok() ? result.name : "error: " + result.error;
}

std::string error_of(std::string_view input) {
  const NormalizedName result = normalize_name(input);
  EXPECT_FALSE(result.ok()) << "accepted as " << result.name;
  EXPECT_TRUE(result.name.empty());
  return result.error;
}

// `count` labels of `label_length` 'a's joined by dots.
std::string name_of_labels(std::size_t count, std::size_t label_length) {
  std::string name;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) name += '.';
    name.append(label_length, 'a');
  }
  return name;
}

TEST(NameTest, KeepsCanonicalNameAsItIs) {
  EXPECT_EQ(normalized_or_error("example.com"), "example.com");
  EXPECT_EQ(normalized_or_error("a.b.c.d.example"), "a.b.c.d.example");
}

TEST(NameTest, FoldsUpperCase) {
  EXPECT_EQ(normalized_or_error("WWW.Example.COM"), "www.example.com");
  EXPECT_EQ(normalized_or_error("ABCDEFGHIJKLMNOPQRSTUVWXYZ.com"), "abcdefghijklmnopqrstuvwxyz.com");
}

TEST(NameTest, DropsOneTrailingDot) {
  EXPECT_EQ(normalized_or_error("example.com."), "example.com");
  EXPECT_EQ(normalized_or_error("Example.COM."), "example.com");
}

TEST(NameTest, RejectsTwoTrailingDots) {
  EXPECT_EQ(error_of("example.com.."), "empty label at the end (only one trailing dot is allowed)");
}

TEST(NameTest, RejectsEmptyInput) { EXPECT_EQ(error_of(""), "empty name"); }

TEST(NameTest, RejectsRoot) {
  EXPECT_EQ(error_of("."), "the root \".\" cannot be listed");
  EXPECT_EQ(error_of(".."), "empty label (the name starts with a dot)");
}

TEST(NameTest, RejectsEmptyLabels) {
  EXPECT_EQ(error_of(".example.com"), "empty label (the name starts with a dot)");
  EXPECT_EQ(error_of("example..com"), "empty label (two dots in a row)");
  EXPECT_EQ(error_of("example.com..."), "empty label (two dots in a row)");
}

TEST(NameTest, AcceptsLabelOfExactly63Octets) {
  const std::string label(63, 'x');
  EXPECT_EQ(normalized_or_error(label + ".example"), label + ".example");
}

TEST(NameTest, RejectsLabelOf64OctetsAndNamesIt) {
  const std::string label(64, 'x');
  EXPECT_EQ(error_of("www." + label + ".example"), "label \"" + label + "\" is longer than 63 octets");
}

TEST(NameTest, LengthLimitIsMeasuredWithoutTrailingDot) {
  // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253
  const std::string name = name_of_labels(3, 63) + "." + std::string(61, 'b');
  ASSERT_EQ(name.size(), 253u);
  EXPECT_EQ(normalized_or_error(name), name);
  EXPECT_EQ(normalized_or_error(name + "."), name);
}

TEST(NameTest, RejectsNameOf254Octets) {
  const std::string name = name_of_labels(3, 63) + "." + std::string(62, 'b');
  ASSERT_EQ(name.size(), 254u);
  EXPECT_EQ(error_of(name), "name is longer than 253 octets");
  EXPECT_EQ(error_of(name + "."), "name is longer than 253 octets");
}

TEST(NameTest, Accepts127LabelsAndRejects128) {
  const std::string most_labels = name_of_labels(127, 1);
  EXPECT_EQ(normalized_or_error(most_labels), most_labels);
  EXPECT_FALSE(normalize_name(name_of_labels(128, 1)).ok());
  EXPECT_FALSE(normalize_name(name_of_labels(128, 1) + ".").ok());
}

TEST(NameTest, AcceptsUnderscoreLabels) {
  EXPECT_EQ(normalized_or_error("_dmarc.example.com"), "_dmarc.example.com");
  EXPECT_EQ(normalized_or_error("_443._TCP.Example.com"), "_443._tcp.example.com");
}

TEST(NameTest, AcceptsHyphensAnywhere) {
  EXPECT_EQ(normalized_or_error("-lead.example"), "-lead.example");
  EXPECT_EQ(normalized_or_error("trail-.example"), "trail-.example");
  EXPECT_EQ(normalized_or_error("ab--cd.example"), "ab--cd.example");
  EXPECT_EQ(normalized_or_error("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(normalized_or_error("-.example"), "-.example");
}

TEST(NameTest, AcceptsDigits) {
  EXPECT_EQ(normalized_or_error("123.example"), "123.example");
  EXPECT_EQ(normalized_or_error("0day.example"), "0day.example");
}

TEST(NameTest, RejectsDisallowedCharactersAndNamesThem) {
  EXPECT_EQ(error_of("*.example.com"), "character '*' is not allowed in a name");
  EXPECT_EQ(error_of("exa mple.com"), "character ' ' is not allowed in a name");
  EXPECT_EQ(error_of("example.com/"), "character '/' is not allowed in a name");
  EXPECT_EQ(error_of("host:80.example"), "character ':' is not allowed in a name");
  EXPECT_EQ(error_of("a@b.example"), "character '@' is not allowed in a name");
  EXPECT_EQ(error_of("it's.example"), "character '\\x27' is not allowed in a name");
  EXPECT_EQ(error_of("back\\slash.example"), "character '\\x5c' is not allowed in a name");
}

TEST(NameTest, EscapesControlCharactersInMessages) {
  EXPECT_EQ(error_of("tab\there.example"), "character '\\x09' is not allowed in a name");
  EXPECT_EQ(error_of("cr\r.example"), "character '\\x0d' is not allowed in a name");
  EXPECT_EQ(error_of("del\x7f.example"), "character '\\x7f' is not allowed in a name");
}

TEST(NameTest, RejectsNulInsideAsciiInput) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of("evil\0.example.com"s), "character '\\x00' is not allowed in a name");
  EXPECT_EQ(error_of("example.com\0"s), "character '\\x00' is not allowed in a name");
}

TEST(NameTest, RejectsNulInsideInternationalInput) {
  using namespace std::string_literals;
  // libidn2 would stop at the NUL and accept the prefix alone.
  EXPECT_EQ(error_of("b\xC3\xBC" "cher.example\0.evil"s), "character '\\x00' is not allowed in a name");
}

TEST(NameTest, ConvertsInternationalNamesToALabels) {
  EXPECT_EQ(normalized_or_error("B\xC3\xBC" "cher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(normalized_or_error("b\xC3\xBC" "cher.example."), "xn--bcher-kva.example");
  EXPECT_EQ(normalized_or_error("\xC3\x96RESUND.se"), "xn--resund-vxa.se");
  EXPECT_EQ(normalized_or_error("_dmarc.b\xC3\xBC" "cher.EXAMPLE"), "_dmarc.xn--bcher-kva.example");
  EXPECT_EQ(normalized_or_error("\xE0\xA4\x95.example"), "xn--11b.example");  // U+0915, lead byte E0
}

TEST(NameTest, UsesNonTransitionalProcessing) {
  // Transitional processing would map sharp s to "ss" and name a different domain.
  EXPECT_EQ(normalized_or_error("stra\xC3\x9F" "e.de"), "xn--strae-oqa.de");
}

TEST(NameTest, NormalizesUnicodeCompositionBeforeConversion) {
  // "u" followed by U+0308 COMBINING DIAERESIS composes to the same name as "ü".
  EXPECT_EQ(normalized_or_error("bu\xCC\x88" "cher.example"), "xn--bcher-kva.example");
}

TEST(NameTest, ReportsLibidn2Rejection) {
  // U+2603 SNOWMAN is disallowed by IDNA2008.
  const std::string error = error_of("\xE2\x98\x83.example");
  EXPECT_EQ(error,
            "internationalised name \"\\xe2\\x98\\x83.example\" rejected: "
            "string contains a disallowed character");
}

TEST(NameTest, ChecksEmptyLabelsAfterConversion) {
  EXPECT_EQ(error_of("b\xC3\xBC" "cher..example"), "empty label (two dots in a row)");
  EXPECT_EQ(error_of(".b\xC3\xBC" "cher.example"), "empty label (the name starts with a dot)");
  EXPECT_EQ(error_of("b\xC3\xBC" "cher.example.."),
            "empty label at the end (only one trailing dot is allowed)");
}

TEST(NameTest, ChecksCharactersAfterConversion) {
  // libidn2 passes the ASCII label with a control byte through unchanged.
  EXPECT_EQ(error_of("b\xC3\xBC" "cher.ex\x01" "ample"), "character '\\x01' is not allowed in a name");
}

TEST(NameTest, LengthLimitAppliesToConvertedName) {
  // Each "ü" label becomes the 7-octet "xn--tda", so 31 of them and a 5-octet
  // tail make 31 * 8 + 5 = 253 octets from a much shorter input.
  std::string input;
  std::string expected;
  for (int i = 0; i < 31; ++i) {
    input += "\xC3\xBC.";
    expected += "xn--tda.";
  }
  ASSERT_EQ(normalized_or_error(input + "abcde"), expected + "abcde");
  EXPECT_EQ(normalized_or_error(input + "abcde."), expected + "abcde");
  EXPECT_FALSE(normalize_name(input + "abcdef").ok());
}

TEST(NameTest, RejectsInvalidUtf8) {
  EXPECT_EQ(error_of("\xFF.example"), "not valid UTF-8");
  EXPECT_EQ(error_of("b\xC3" "cher.example"), "not valid UTF-8");     // truncated sequence
  EXPECT_EQ(error_of("\xC0\xAF.example"), "not valid UTF-8");         // overlong '/'
  EXPECT_EQ(error_of("\xE0\x80\xAF.example"), "not valid UTF-8");     // overlong '/'
  EXPECT_EQ(error_of("\xED\xA0\x80.example"), "not valid UTF-8");     // surrogate
  EXPECT_EQ(error_of("\xF4\x90\x80\x80.example"), "not valid UTF-8");  // above U+10FFFF
  EXPECT_EQ(error_of("example.b\xC3"), "not valid UTF-8");            // cut at the end
}

TEST(NameTest, TruncatesLongInputInMessages) {
  const std::string label(200, 'q');
  const std::string error = error_of(label + ".example");
  EXPECT_LT(error.size(), 120u);
  EXPECT_TRUE(error.starts_with("label \"qqqq")) << error;
  EXPECT_NE(error.find("\xE2\x80\xA6\" is longer than 63 octets"), std::string::npos) << error;
}

TEST(NameTest, EscapesAndTruncatesInternationalInputInMessages) {
  std::string hostile = "\xE2\x98\x83";
  for (int i = 0; i < 500; ++i) hostile += "\xE2\x80\xAE";  // RIGHT-TO-LEFT OVERRIDE
  const std::string error = error_of(hostile);
  EXPECT_LT(error.size(), 200u);
  for (char c : error.substr(0, error.find("\xE2\x80\xA6"))) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << error;
  }
}

TEST(NameTest, ClassifiesCanonicalLabelBytes) {
  EXPECT_TRUE(is_canonical_label_byte('a'));
  EXPECT_TRUE(is_canonical_label_byte('z'));
  EXPECT_TRUE(is_canonical_label_byte('0'));
  EXPECT_TRUE(is_canonical_label_byte('9'));
  EXPECT_TRUE(is_canonical_label_byte('-'));
  EXPECT_TRUE(is_canonical_label_byte('_'));
  EXPECT_FALSE(is_canonical_label_byte('A'));
  EXPECT_FALSE(is_canonical_label_byte('.'));
  EXPECT_FALSE(is_canonical_label_byte(0x80));
}

}  // namespace
}  // namespace dnsstop
