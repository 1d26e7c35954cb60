// The manifest format is strict: what format_manifest writes parses back, and every
// deviation is an error naming its line.
#include "core/manifest.h"

#include <gtest/gtest.h>

namespace dnsstop {
namespace {

Manifest sample() {
  Manifest manifest;
  manifest.list_name = "police";
  manifest.serial = 42;
  manifest.created_unix = 1767225600;
  manifest.expires_unix = 1767830400;
  manifest.full = {"police-42.list", 1234, sha256("full")};
  manifest.deltas = {{41, {"police-41-42.delta", 20, sha256("d41")}},
                     {40, {"police-40-42.delta", 30, sha256("d40")}}};
  return manifest;
}

std::string replaced(std::string text, std::string_view from, std::string_view to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(Manifest, RoundTrips) {
  const std::string text = format_manifest(sample());
  EXPECT_EQ(text.substr(0, 40), "dnsstop-manifest 1\nlist police\nserial 42");
  EXPECT_EQ(parse_manifest(text), sample());
}

TEST(Manifest, StrictErrorsNameTheLine) {
  const std::string text = format_manifest(sample());
  const auto error_of = [](const std::string& bad) -> std::string {
    try {
      parse_manifest(bad);
    } catch (const ManifestError& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(error_of(replaced(text, "manifest 1", "manifest 2")).substr(0, 16), "manifest line 1:");
  EXPECT_EQ(error_of(replaced(text, "serial 42", "serial 042")), "manifest line 3: expected a plain decimal number");
  EXPECT_EQ(error_of(replaced(text, "serial 42", "serial 0")), "manifest line 3: serial must be at least 1");
  EXPECT_EQ(error_of(replaced(text, "serial 42", "serial  42")),
            "manifest line 3: expected 1 values separated by single spaces");
  EXPECT_EQ(error_of(replaced(text, "list police", "list pol/ice")).substr(0, 16), "manifest line 2:");
  EXPECT_EQ(error_of(replaced(text, "expires 1767830400", "expires 1767225600")),
            "manifest line 5: expires must be after created");
  EXPECT_EQ(error_of(replaced(text, "police-42.list", "../etc/passwd")).substr(0, 16), "manifest line 6:");
  EXPECT_EQ(error_of(replaced(text, "delta 41", "delta 39")),
            "manifest line 8: deltas must be listed by descending serial, each once");
  EXPECT_EQ(error_of(replaced(text, "delta 41", "delta 42")).substr(0, 16), "manifest line 7:");
  EXPECT_EQ(error_of(text.substr(0, text.size() - 1)), "manifest line 8: does not end with a newline");
  EXPECT_EQ(error_of(replaced(text, "list police\n", "")).substr(0, 16), "manifest line 2:");
  EXPECT_EQ(error_of(replaced(text, "police-42.list", "police\x01.list")),
            "manifest line 6: holds a byte that is not printable ASCII");
  EXPECT_EQ(error_of(std::string(kMaxManifestBytes + 1, 'x')).substr(0, 9), "manifest:");
}

TEST(Manifest, TrustedCommentCarriesTheClaims) {
  const SignedClaims claims = claims_of(sample());
  const std::string comment = format_trusted_comment(claims);
  EXPECT_EQ(comment, "dnsstop list=police serial=42 expires=1767830400");
  EXPECT_EQ(parse_trusted_comment(comment), claims);
  EXPECT_THROW(parse_trusted_comment("timestamp:1700000000\tfile:x"), ManifestError);
  EXPECT_THROW(parse_trusted_comment("dnsstop list=police serial=x expires=1"), ManifestError);
  EXPECT_THROW(parse_trusted_comment("dnsstop list=police serial=1 expires=1 extra"), ManifestError);
}

}  // namespace
}  // namespace dnsstop
