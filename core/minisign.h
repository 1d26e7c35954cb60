// The minisign file formats (https://jedisct1.github.io/minisign/) and Ed25519
// signing and verification of them, so that a list signed by dnsstop-publish or by
// the stock `minisign` tool is verified the same way. See docs/list-distribution.md.
//
// Pure: parses and formats text, signs and verifies bytes in memory (OpenSSL EVP);
// any thread. Verification costs one hash pass over the data (BLAKE2b-512 for "ED"
// signatures) plus two Ed25519 verifications (tens of microseconds).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dnsstop::minisign {

using KeyId = std::array<std::uint8_t, 8>;
using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Seed = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

// Longest trusted comment accepted; minisign itself allows 1 KiB.
inline constexpr std::size_t kMaxTrustedCommentBytes = 1024;

// A malformed key or signature file; what() says what is wrong with it.
class FormatError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

struct PublicKey {
  KeyId id{};
  Ed25519PublicKey key{};
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

// A secret key, as minisign's secret-key file holds it (a key made by `minisign -G`
// and one made by `dnsstop-publish keygen` are interchangeable).
struct SecretKey {
  KeyId id{};
  Ed25519Seed seed{};
  Ed25519PublicKey public_key{};
};

enum class Algorithm : std::uint8_t {
  kLegacy,     // "Ed": Ed25519 over the file itself
  kPrehashed,  // "ED": Ed25519 over BLAKE2b-512 of the file (minisign >= 0.10 default)
};

struct Signature {
  Algorithm algorithm = Algorithm::kPrehashed;
  KeyId key_id{};
  Ed25519Signature signature{};
  std::string untrusted_comment;  // not covered by any signature; never trust it
  std::string trusted_comment;    // covered by global_signature
  Ed25519Signature global_signature{};  // over signature || trusted_comment
};

// Either the whole .pub file (comment line, key line) or the bare base64 key line
// ("RWQ..."), as minisign prints it and as a configuration file carries it.
PublicKey parse_public_key(std::string_view text);
std::string format_public_key(const PublicKey& key);  // the .pub file text

// minisign's secret-key file: either not encrypted (`minisign -G -W`, and what
// format_secret_key writes), or encrypted with a key scrypt derives from a password
// (`minisign -G`'s default; libsodium's scrypt, which costs about a second and up
// to kMaxScryptMemoryBytes of memory). A wrong password, a damaged file, or scrypt
// limits above those throw FormatError.
inline constexpr std::uint64_t kMaxScryptMemoryBytes = std::uint64_t{1} << 30;  // minisign's own setting
bool secret_key_needs_password(std::string_view text);
SecretKey parse_secret_key(std::string_view text, std::string_view password = {});
std::string format_secret_key(const SecretKey& key);  // not encrypted

Signature parse_signature(std::string_view text);  // the .minisig file text
std::string format_signature(const Signature& signature);

// Upper-case hex of the id read as a little-endian number, as minisign prints it.
std::string key_id_text(const KeyId& id);

// Builds the key pair from a 32-byte seed (the caller draws both from a CSPRNG).
SecretKey secret_key_from_seed(const KeyId& id, const Ed25519Seed& seed);
PublicKey public_key_of(const SecretKey& key);

// A prehashed ("ED") signature, as `minisign -S` makes by default.
Signature sign(const SecretKey& key, std::string_view data, std::string_view trusted_comment,
               std::string_view untrusted_comment);

enum class SignatureCheck : std::uint8_t {
  kValid,
  kUnknownKey,            // no trusted key has the signature's key id
  kBadSignature,          // the data does not match the signature
  kBadTrustedComment,     // the trusted comment (or the global signature) was altered
};
std::string_view signature_check_text(SignatureCheck check);

// Checks `signature` over `data` with the trusted key whose id it names, then the
// global signature over the trusted comment. Several keys allow a rotation.
SignatureCheck verify(const Signature& signature, std::span<const PublicKey> trusted_keys,
                      std::string_view data);

}  // namespace dnsstop::minisign
