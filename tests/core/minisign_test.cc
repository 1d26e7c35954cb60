// Signatures made by the stock minisign 0.11 tool verify; ours verify with minisign's
// rules; every altered part is caught with the right check result; secret keys made
// by minisign sign as minisign does.
#include "core/minisign.h"

#include <gtest/gtest.h>

#include <vector>

namespace dnsstop::minisign {
namespace {

// Made with: minisign -G -W; then minisign -S [-l] -t COMMENT -m data.txt.
constexpr std::string_view kStockPublicKey =
    "untrusted comment: minisign public key B0017FBCEEBDEE2B\n"
    "RWQr7r3uvH8BsPfvMBAZCsxw8K8Rqwr+Bd3UPW2kGC0+XRT/ktHLKph9\n";
constexpr std::string_view kStockData = "dnsstop test data\n";
constexpr std::string_view kStockPrehashed =
    "untrusted comment: signature from minisign secret key\n"
    "RUQr7r3uvH8BsKMSD2pY/cikIOTBazcV3MaJNiOpQFiI54TCEd4qkJvJK0nmPYz//MhfmHpnJTEbe5DnXUyBqoWZLTdwLV0pSAI=\n"
    "trusted comment: dnsstop list=police serial=7 expires=2000000000\n"
    "eCdwxAjDeLiqIcjrodKZIrki0Ov59/awhohqQ+OeJWxBr/K7Tb1dKl06LnfyC3qbfpBkGqP6UXjJkh6gbiT6DA==\n";
constexpr std::string_view kStockLegacy =
    "untrusted comment: signature from minisign secret key\n"
    "RWQr7r3uvH8BsFJynI0nZFCUUEhyR0PRiU1tMNLw5ZdfxwsHALk7OCOC3IIvi1hugkD90G7sPIL7kovfQPjHIFmrTRMO7wc0SQI=\n"
    "trusted comment: legacy comment\n"
    "RAPAeuwVRf6+5oE2Ng1R61k+BcFxAA/zhbScHY4Frizdn12JzbV9CbZv+YryFChP/dl43Oz8EsZHkyxk2CBSDg==\n";

// Made with minisign 0.11 (Debian's): minisign -G -W -p plain.pub -s plain.key, then
// minisign -S -W -s plain.key -t stock -m data.txt (kStockData); and with the
// password "correct horse": minisign -G -p encrypted.pub -s encrypted.key.
constexpr std::string_view kStockPlainSecretKey =
    "untrusted comment: minisign encrypted secret key\n"
    "RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQN59Xfb5ta/em/KC0AOAWxVXiX4HVrWN0opN+l/"
    "dcG+N5DllzF0ykbhVyntiOwndYOu20ua0iIkuWur/9pPU/oDbNLPFjxzBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
constexpr std::string_view kStockPlainPublicKey = "RWRA3n1d9vm1r7hVyntiOwndYOu20ua0iIkuWur/9pPU/oDbNLPFjxzB";
constexpr std::string_view kStockPlainSignature =
    "untrusted comment: signature from minisign secret key\n"
    "RURA3n1d9vm1rztCwddn1OSzx1ltRqbjmqE8r6oBgSXhO13wJOFN0dM2/GmB5liIRjW8migZ3xwHQeV9oIoRX8JkSmuUiN2LQA8=\n"
    "trusted comment: stock\n"
    "HvKaevdq+Ki94pzvMwdW1bOHc9nrpTskGwGAvqQQ5wjD2dEKQEOvueE4yW49xC0NqbqKmSb2X/Cv3J8kFq20CQ==\n";
constexpr std::string_view kStockEncryptedSecretKey =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0IyMVyJPU1tjOMDokmgBXRuHco1jdCrBRDGUxTU/XsfhRwAAAACAAAAAAAAAEAAAAAA96ar2VpCBWp+sLuNWHEkElydQILfQ1cfZPghw6oT"
    "Ltk/r+KRmUJEA8dVucZUDo43ogU3GXWNo4ph8mHV7tt8piLIL6hdEAWlP4AVoNHP4FFgXEBclePlTGQ9kMZ6giLpD9sD5iRrldw=\n";
constexpr std::string_view kStockEncryptedPublicKey = "RWQ5KH/qcOejT2xZvsUix2YRSZ9aFITba5/LgNns7+/zJQsgSjgZkyOs";

SecretKey test_key(std::uint8_t fill) {
  KeyId id{};
  id.fill(fill);
  Ed25519Seed seed{};
  seed.fill(static_cast<std::uint8_t>(fill + 1));
  return secret_key_from_seed(id, seed);
}

TEST(Minisign, VerifiesStockPrehashedSignature) {
  const PublicKey key = parse_public_key(kStockPublicKey);
  EXPECT_EQ(key_id_text(key.id), "B0017FBCEEBDEE2B");
  const Signature signature = parse_signature(kStockPrehashed);
  EXPECT_EQ(signature.algorithm, Algorithm::kPrehashed);
  EXPECT_EQ(signature.trusted_comment, "dnsstop list=police serial=7 expires=2000000000");
  const std::vector<PublicKey> keys{key};
  EXPECT_EQ(verify(signature, keys, kStockData), SignatureCheck::kValid);
  EXPECT_EQ(verify(signature, keys, "dnsstop test data!\n"), SignatureCheck::kBadSignature);
}

TEST(Minisign, VerifiesStockLegacySignature) {
  const std::vector<PublicKey> keys{parse_public_key(kStockPublicKey)};
  const Signature signature = parse_signature(kStockLegacy);
  EXPECT_EQ(signature.algorithm, Algorithm::kLegacy);
  EXPECT_EQ(verify(signature, keys, kStockData), SignatureCheck::kValid);
}

TEST(Minisign, BareKeyLineIsAccepted) {
  EXPECT_EQ(parse_public_key("RWQr7r3uvH8BsPfvMBAZCsxw8K8Rqwr+Bd3UPW2kGC0+XRT/ktHLKph9"),
            parse_public_key(kStockPublicKey));
}

TEST(Minisign, AlteredTrustedCommentIsCaught) {
  const std::vector<PublicKey> keys{parse_public_key(kStockPublicKey)};
  Signature signature = parse_signature(kStockPrehashed);
  signature.trusted_comment = "dnsstop list=police serial=8 expires=2000000000";
  EXPECT_EQ(verify(signature, keys, kStockData), SignatureCheck::kBadTrustedComment);
}

TEST(Minisign, UnknownKeyIsReportedAsSuch) {
  const std::vector<PublicKey> keys{public_key_of(test_key(1))};
  EXPECT_EQ(verify(parse_signature(kStockPrehashed), keys, kStockData), SignatureCheck::kUnknownKey);
}

TEST(Minisign, OwnSignatureRoundTripsAndRotates) {
  const SecretKey old_key = test_key(1);
  const SecretKey new_key = test_key(2);
  const Signature signature = sign(new_key, "list\n", "dnsstop list=a serial=1 expires=2", "note");
  const std::string text = format_signature(signature);
  const Signature parsed = parse_signature(text);
  EXPECT_EQ(format_signature(parsed), text);
  const std::vector<PublicKey> both{public_key_of(old_key), public_key_of(new_key)};
  EXPECT_EQ(verify(parsed, both, "list\n"), SignatureCheck::kValid);
  const std::vector<PublicKey> old_only{public_key_of(old_key)};
  EXPECT_EQ(verify(parsed, old_only, "list\n"), SignatureCheck::kUnknownKey);
}

TEST(Minisign, ForgedSignatureWithTrustedKeyIdIsCaught) {
  const SecretKey trusted = test_key(1);
  SecretKey forger = test_key(3);
  forger.id = trusted.id;  // an attacker can copy the id, not the key
  const std::vector<PublicKey> keys{public_key_of(trusted)};
  EXPECT_EQ(verify(sign(forger, "x", "c", "u"), keys, "x"), SignatureCheck::kBadSignature);
}

TEST(Minisign, KeysRoundTrip) {
  const SecretKey key = test_key(5);
  EXPECT_EQ(parse_public_key(format_public_key(public_key_of(key))), public_key_of(key));
  const SecretKey parsed = parse_secret_key(format_secret_key(key));
  EXPECT_EQ(parsed.seed, key.seed);
  EXPECT_EQ(parsed.id, key.id);
}

TEST(Minisign, SignsWithAStockSecretKeyAsMinisignDoes) {
  EXPECT_FALSE(secret_key_needs_password(kStockPlainSecretKey));
  const SecretKey key = parse_secret_key(kStockPlainSecretKey);
  EXPECT_EQ(public_key_of(key), parse_public_key(kStockPlainPublicKey));
  // Ed25519 is deterministic: the same key signs the same bytes into the same file.
  EXPECT_EQ(format_signature(sign(key, kStockData, "stock", "signature from minisign secret key")),
            kStockPlainSignature);
}

// One scrypt at minisign's cost (1 GiB, seconds); tests/integration/sync_test.py
// gives dnsstop-publish a wrong password too.
TEST(Minisign, DecryptsAStockPasswordProtectedSecretKey) {
  EXPECT_TRUE(secret_key_needs_password(kStockEncryptedSecretKey));
  EXPECT_EQ(public_key_of(parse_secret_key(kStockEncryptedSecretKey, "correct horse")),
            parse_public_key(kStockEncryptedPublicKey));
}

TEST(Minisign, WritesMinisignsSecretKeyFormatWithItsChecksum) {
  const std::string text = format_secret_key(test_key(7));
  EXPECT_TRUE(text.starts_with("untrusted comment: minisign secret key 0707070707070707 (not encrypted)\n")) << text;
  EXPECT_FALSE(secret_key_needs_password(text));
  std::string damaged = text;
  const std::size_t checksum_digit = damaged.size() - 10;  // inside the BLAKE2b-256 checksum
  damaged[checksum_digit] = damaged[checksum_digit] == 'A' ? 'B' : 'A';
  EXPECT_THROW(parse_secret_key(damaged), FormatError);
}

TEST(Minisign, MalformedFilesAreRejected) {
  EXPECT_THROW(parse_public_key(""), FormatError);
  EXPECT_THROW(parse_public_key("RWQr7r3uvH8BsPfvMBAZCsxw8K8Rqwr+Bd3UPW2kGC0+XRT/ktHLKph"), FormatError);
  EXPECT_THROW(parse_public_key("RWQr7r3uvH8BsPfvMBAZCsxw8K8Rqwr+Bd3UPW2kGC0+XRT/ktHLKph!"), FormatError);
  EXPECT_THROW(parse_signature(kStockPrehashed.substr(0, 100)), FormatError);
  std::string wrong_prefix(kStockPrehashed);
  wrong_prefix.replace(wrong_prefix.find("trusted comment: dnsstop"), 7, "TRUSTED");
  EXPECT_THROW(parse_signature(wrong_prefix), FormatError);
  std::string unknown_algorithm(kStockPrehashed);
  unknown_algorithm[unknown_algorithm.find("RUQ") + 1] = 'X';
  EXPECT_THROW(parse_signature(unknown_algorithm), FormatError);
}

}  // namespace
}  // namespace dnsstop::minisign
