// Every rule a new list version must pass, one test each, without a network: what
// passes, what fails with which reason, and which reasons hold instead of refusing.
#include "core/update_rules.h"

#include <gtest/gtest.h>

#include "core/public_suffix.h"

namespace dnsstop {
namespace {

minisign::SecretKey key_number(std::uint8_t number) {
  minisign::KeyId id{};
  id.fill(number);
  minisign::Ed25519Seed seed{};
  seed.fill(static_cast<std::uint8_t>(number + 100));
  return minisign::secret_key_from_seed(id, seed);
}

Manifest sample_manifest() {
  Manifest manifest;
  manifest.list_name = "police";
  manifest.serial = 42;
  manifest.created_unix = 1000;
  manifest.expires_unix = 2000;
  manifest.full = {"police-42.list", 12, sha256("example.com\n")};
  return manifest;
}

std::string comment_of(const Manifest& manifest) { return format_trusted_comment(claims_of(manifest)); }

minisign::Signature signed_by(std::uint8_t number, std::string_view text, const std::string& comment) {
  return minisign::sign(key_number(number), text, comment, "test");
}

std::vector<ListEntry> entries_of(std::string_view text) { return parse_list(text, "t").entries; }

TEST(UpdateRules, ReasonNamesRoundTripAndHoldingReasons) {
  for (std::size_t index = 0; index < static_cast<std::size_t>(Reason::kCount); ++index) {
    const auto reason = static_cast<Reason>(index);
    EXPECT_EQ(reason_from_name(reason_name(reason)), reason);
  }
  EXPECT_EQ(reason_from_name("nonsense"), std::nullopt);
  EXPECT_EQ(outcome_of(Reason::kPublicSuffix), Outcome::kHeld);
  EXPECT_EQ(outcome_of(Reason::kChangeBounds), Outcome::kHeld);
  EXPECT_EQ(outcome_of(Reason::kProtectedName), Outcome::kRefused);
  EXPECT_EQ(outcome_of(Reason::kTooFewSignatures), Outcome::kRefused);
}

TEST(UpdateRules, Signatures) {
  const std::string text = format_manifest(sample_manifest());
  const std::string comment = comment_of(sample_manifest());
  const std::vector<minisign::PublicKey> keys{minisign::public_key_of(key_number(1)),
                                              minisign::public_key_of(key_number(2))};
  const auto check = [&](std::vector<minisign::Signature> signatures, std::uint32_t required) {
    return check_signatures(text, signatures, keys, required);
  };
  const SignatureCheck one = check({signed_by(1, text, comment)}, 1);
  EXPECT_EQ(one.failure, std::nullopt);
  EXPECT_EQ(one.signers, std::vector<minisign::KeyId>{key_number(1).id});

  EXPECT_EQ(check({}, 1).failure->reason, Reason::kMissingSignature);
  EXPECT_EQ(check({signed_by(3, text, comment)}, 1).failure->reason, Reason::kUnknownKey);
  EXPECT_EQ(check({signed_by(1, text + "x", comment)}, 1).failure->reason, Reason::kBadSignature);

  // Two required: one valid signature is its own refusal, whatever else comes along.
  const SignatureCheck too_few = check({signed_by(1, text, comment)}, 2);
  EXPECT_EQ(too_few.failure->reason, Reason::kTooFewSignatures);
  EXPECT_EQ(too_few.failure->detail, "1 valid signature (key " + minisign::key_id_text(key_number(1).id) +
                                         ") where required_signatures is 2");
  EXPECT_EQ(check({signed_by(1, text, comment), signed_by(1, text, comment)}, 2).failure->reason,
            Reason::kTooFewSignatures);  // the same key twice is one person
  EXPECT_EQ(check({signed_by(1, text, comment), signed_by(3, text, comment)}, 2).failure->reason,
            Reason::kTooFewSignatures);  // an untrusted second key counts for nothing
  EXPECT_EQ(check({signed_by(1, text, comment), signed_by(2, "older manifest", comment)}, 2).failure->reason,
            Reason::kTooFewSignatures);  // a co-signature of another manifest
  EXPECT_EQ(check({signed_by(1, text, comment), signed_by(2, text, "dnsstop list=police serial=41 expires=2000")}, 2)
                .failure->reason,
            Reason::kTooFewSignatures);  // a co-signature claiming something else

  const SignatureCheck two = check({signed_by(1, text, comment), signed_by(2, text, comment)}, 2);
  EXPECT_EQ(two.failure, std::nullopt);
  EXPECT_EQ(two.signers.size(), 2u);
}

TEST(UpdateRules, ManifestNameAndExpiry) {
  const Manifest sample = sample_manifest();
  const std::string text = format_manifest(sample);
  Manifest parsed;
  EXPECT_EQ(check_manifest(text, comment_of(sample), "police", 1999, parsed), std::nullopt);
  EXPECT_EQ(parsed, sample);
  EXPECT_EQ(check_manifest(text, comment_of(sample), "police", 2000, parsed)->reason, Reason::kExpired);
  EXPECT_EQ(check_manifest(text, comment_of(sample), "other", 1500, parsed)->reason, Reason::kWrongList);
  EXPECT_EQ(check_manifest(text, "dnsstop list=police serial=43 expires=2000", "police", 1500, parsed)->reason,
            Reason::kBadManifest);
  EXPECT_EQ(check_manifest("garbage\n", comment_of(sample), "police", 1500, parsed)->reason, Reason::kBadManifest);
}

TEST(UpdateRules, SerialRollbackAndPin) {
  const Manifest manifest = sample_manifest();  // serial 42
  const Sha256 same = manifest.full.sha256;
  const Sha256 other = sha256("other");
  EXPECT_EQ(check_serial(manifest, std::nullopt, {}, 0).step, SerialStep::kNew);
  EXPECT_EQ(check_serial(manifest, 41, other, 0).step, SerialStep::kNew);
  EXPECT_EQ(check_serial(manifest, 41, other, 0).failure, std::nullopt);
  EXPECT_EQ(check_serial(manifest, 42, same, 0).step, SerialStep::kUnchanged);
  EXPECT_EQ(check_serial(manifest, 42, same, 40).failure, std::nullopt);  // pinned: nothing new either
  EXPECT_EQ(check_serial(manifest, 42, other, 0).failure->reason, Reason::kRollback);
  EXPECT_EQ(check_serial(manifest, 43, other, 0).failure->reason, Reason::kRollback);
  EXPECT_EQ(check_serial(manifest, 41, other, 40).failure->reason, Reason::kPinned);
}

TEST(UpdateRules, SizesHashesAndSkippedLines) {
  const PublishedFile file{"police-42.list", 12, sha256("example.com\n")};
  EXPECT_EQ(check_declared_size(file, 12), std::nullopt);
  EXPECT_EQ(check_declared_size(file, 11)->reason, Reason::kOversized);
  EXPECT_EQ(check_download(file, "example.com\n"), std::nullopt);
  EXPECT_EQ(check_download(file, "example.co")->reason, Reason::kTruncated);
  EXPECT_EQ(check_download(file, "example.org\n")->reason, Reason::kHashMismatch);
  EXPECT_EQ(check_download(file, "example.com\nx")->reason, Reason::kOversized);

  const ParsedList one_bad = parse_list("a.example\nhttp://b.example/path\nc.example\nd.example\n", "t");
  EXPECT_EQ(check_skipped_lines(one_bad, 25), std::nullopt);
  const RuleResult refused = check_skipped_lines(one_bad, 24);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, Reason::kBadLines);
  EXPECT_TRUE(refused->detail.starts_with("1 of 4 lines do not parse (at most 24% allowed); first: t:2:"));
}

TEST(UpdateRules, ProtectedNamesDirectlyAndThroughParents) {
  const ProtectedNames protected_names{"bank.example.se", "www.gov.example.se"};
  EXPECT_EQ(check_protected(entries_of("evil.example.se\nsub.bank.example.se\n=gov.example.se\n"), protected_names),
            std::nullopt);  // below a protected name, or an exact parent: not the name itself
  EXPECT_EQ(check_protected(entries_of("bank.example.se\n"), {}), std::nullopt);

  const auto hits = protected_hits(entries_of("=bank.example.se\ngov.example.se\n"), protected_names);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0], (ProtectedHit{{"bank.example.se", MatchScope::Exact}, "bank.example.se"}));
  EXPECT_EQ(hits[1], (ProtectedHit{{"gov.example.se", MatchScope::Subtree}, "www.gov.example.se"}));
  const RuleResult refused = check_protected(entries_of("example.se\n"), protected_names);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, Reason::kProtectedName);
  EXPECT_EQ(refused->detail,
            "entries block protected names: example.se blocks bank.example.se, example.se blocks www.gov.example.se");
}

TEST(UpdateRules, PublicSuffixesAreHeldExactEntriesPass) {
  const PublicSuffixList psl = PublicSuffixList::from_text(
      "// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n// ===END ICANN DOMAINS===\n"
      "// ===BEGIN PRIVATE DOMAINS===\ngithub.io\n// ===END PRIVATE DOMAINS===\n");
  const std::string fine = "evil.com\n=com\n=github.io\nabuse.github.io\nhttp://x.com/path\n";
  EXPECT_EQ(check_public_suffixes(entries_of(fine), fine, psl), std::nullopt);
  // Single labels never become entries (the parser skips them), so the text is read too.
  const std::string wrong = "COM.\nco.uk\ngithub.io\nexample.co.uk\n  newtld \n";
  EXPECT_EQ(public_suffix_entries(entries_of(wrong), wrong, psl),
            (std::vector<std::string>{"co.uk", "github.io", "com", "newtld"}));
  EXPECT_EQ(public_suffix_entries(entries_of(wrong), wrong, psl, 2).size(), 2u);
  const RuleResult held = check_public_suffixes(entries_of("github.io\n"), "github.io\n", psl);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->reason, Reason::kPublicSuffix);
  EXPECT_EQ(held->detail, "entries block whole public suffixes: github.io (public suffix list " + psl.version() + ")");
  EXPECT_EQ(psl.version().size(), 16u);
}

TEST(UpdateRules, DebianPublicSuffixList) {
  const PublicSuffixList psl = PublicSuffixList::load_file(std::string(kDebianPublicSuffixList));
  EXPECT_TRUE(psl.is_public_suffix("se"));
  EXPECT_TRUE(psl.is_public_suffix("co.uk"));
  EXPECT_TRUE(psl.is_public_suffix("blogspot.com"));
  EXPECT_TRUE(psl.is_public_suffix("github.io"));
  EXPECT_FALSE(psl.is_public_suffix("example.com"));
  EXPECT_FALSE(psl.is_public_suffix("polisen.se"));
  EXPECT_THROW(PublicSuffixList::load_file("/nonexistent/psl.dat"), std::runtime_error);
  EXPECT_THROW(PublicSuffixList::from_text("// nothing but a comment\n"), std::runtime_error);
}

TEST(UpdateRules, ChangeBoundsNeedBothParts) {
  const ChangeBounds bounds{.added = {.max_lines = 1000, .max_percent = 100},
                            .removed = {.max_lines = 100, .max_percent = 20}};
  ListDelta change;
  change.added.resize(8000);
  EXPECT_EQ(check_change_bounds(change, 1000, bounds)->reason, Reason::kChangeBounds);  // 1,000 -> 9,000
  EXPECT_EQ(check_change_bounds(change, 8000, bounds), std::nullopt);   // doubling a large list is ordinary
  change.added.resize(900);
  EXPECT_EQ(check_change_bounds(change, 10, bounds), std::nullopt);     // small in absolute terms
  change.added.clear();
  change.removed.resize(101);
  EXPECT_EQ(check_change_bounds(change, 504, bounds)->reason, Reason::kChangeBounds);  // 20.04%
  EXPECT_EQ(check_change_bounds(change, 505, bounds), std::nullopt);                   // exactly 20%
  const RuleResult held = check_change_bounds(change, 200, bounds);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->detail, "adds 0 and removes 101 of 200 lines in force; bounds: max_removed 100 and "
                          "max_removed_percent 20");
}

}  // namespace
}  // namespace dnsstop
