// minisign's text formats are a comment line and a base64 line per part; the
// decoded lines are the fixed binary layouts below. Ed25519 is OpenSSL's; the
// secret-key file's scrypt is libsodium's, as in minisign itself.
#include "core/minisign.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <vector>

#include "core/digest.h"
#include "core/split.h"

namespace dnsstop::minisign {
namespace {

constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";

// The decoded base64 lines, as minisign lays them out.
#pragma pack(push, 1)
struct PublicKeyBlob {
  char algorithm[2];  // "Ed"
  std::uint8_t key_id[8];
  std::uint8_t key[32];
};
struct SignatureBlob {
  char algorithm[2];  // "Ed" or "ED"
  std::uint8_t key_id[8];
  std::uint8_t signature[64];
};
struct SecretKeyBlob {
  char algorithm[2];           // "Ed"
  char kdf_algorithm[2];       // "Sc" (scrypt) or two zero bytes (not encrypted)
  char checksum_algorithm[2];  // "B2" (BLAKE2b-256)
  std::uint8_t kdf_salt[32];
  std::uint8_t kdf_opslimit[8];  // little-endian, libsodium's scrypt parameters
  std::uint8_t kdf_memlimit[8];
  // From here on XORed with scrypt's output of this length when encrypted:
  std::uint8_t key_id[8];
  std::uint8_t seed[32];  // libsodium's Ed25519 secret key: the seed, then the public key
  std::uint8_t public_key[32];
  std::uint8_t checksum[32];  // BLAKE2b-256 of algorithm, key_id, seed, public_key
};
#pragma pack(pop)
static_assert(sizeof(PublicKeyBlob) == 42);
static_assert(sizeof(SignatureBlob) == 74);
static_assert(sizeof(SecretKeyBlob) == 158);
static_assert(offsetof(SignatureBlob, signature) == 10);
static_assert(offsetof(SecretKeyBlob, key_id) == 54);
constexpr std::size_t kEncryptedSecretBytes = sizeof(SecretKeyBlob) - offsetof(SecretKeyBlob, key_id);

constexpr char kBase64Digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const void* data, std::size_t size) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  std::string text;
  for (std::size_t i = 0; i < size; i += 3) {
    const std::uint32_t chunk = std::uint32_t{bytes[i]} << 16 |
                                (i + 1 < size ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                                (i + 2 < size ? bytes[i + 2] : 0);
    text += kBase64Digits[chunk >> 18 & 63];
    text += kBase64Digits[chunk >> 12 & 63];
    text += i + 1 < size ? kBase64Digits[chunk >> 6 & 63] : '=';
    text += i + 2 < size ? kBase64Digits[chunk & 63] : '=';
  }
  return text;
}

// Strict: exactly the encoding of `size` bytes, padded, nothing else.
void base64_decode_exact(std::string_view text, void* out, std::size_t size, std::string_view what) {
  if (text.size() != (size + 2) / 3 * 4) {
    throw FormatError(std::string(what) + ": base64 line has the wrong length");
  }
  std::vector<std::uint8_t> bytes;
  std::uint32_t chunk = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    const char* digit = std::strchr(kBase64Digits, c);
    if (c == '\0' || digit == nullptr || padding > 0) {
      throw FormatError(std::string(what) + ": not base64");
    }
    chunk = chunk << 6 | static_cast<std::uint32_t>(digit - kBase64Digits);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<std::uint8_t>(chunk >> bits));
    }
  }
  if (bytes.size() != size || padding > 2) {
    throw FormatError(std::string(what) + ": base64 line has the wrong length");
  }
  std::memcpy(out, bytes.data(), size);
}

// Splits into lines ending in '\n' (a final line may lack it; '\r' before it is dropped).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines = split(text, '\n');
  for (std::string_view& line : lines) {
    if (line.ends_with('\r')) line.remove_suffix(1);
  }
  return lines;
}

std::string_view after_prefix(std::string_view line, std::string_view prefix, std::string_view what) {
  if (!line.starts_with(prefix)) {
    throw FormatError(std::string(what) + ": expected a line starting with \"" + std::string(prefix) + '"');
  }
  return line.substr(prefix.size());
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

bool ed25519_verify(const Ed25519PublicKey& key, const Ed25519Signature& signature,
                    std::string_view message) {
  const Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  const MdContext context(EVP_MD_CTX_new());
  if (!pkey || !context) throw std::runtime_error("OpenSSL cannot set up Ed25519");
  if (EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    throw std::runtime_error("OpenSSL cannot set up Ed25519 verification");
  }
  return EVP_DigestVerify(context.get(), signature.data(), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

Ed25519Signature ed25519_sign(const Ed25519Seed& seed, std::string_view message) {
  const Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  const MdContext context(EVP_MD_CTX_new());
  Ed25519Signature signature{};
  std::size_t length = signature.size();
  if (!pkey || !context ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(context.get(), signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != signature.size()) {
    throw std::runtime_error("OpenSSL cannot make an Ed25519 signature");
  }
  return signature;
}

std::string_view as_text(const void* data, std::size_t size) {
  return {static_cast<const char*>(data), size};
}

// What the global signature covers: the data signature, then the trusted comment.
std::string global_message(const Signature& signature) {
  return std::string(as_text(signature.signature.data(), signature.signature.size())) +
         signature.trusted_comment;
}

bool valid_comment(std::string_view comment) {
  return comment.size() <= kMaxTrustedCommentBytes &&
         comment.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

SecretKeyBlob decode_secret_key(std::string_view text) {
  const std::vector<std::string_view> lines = lines_of(text);
  if (lines.size() != 2) throw FormatError("secret key: expected a comment line and a key line");
  after_prefix(lines[0], kUntrustedPrefix, "secret key");
  SecretKeyBlob blob;
  base64_decode_exact(lines[1], &blob, sizeof(blob), "secret key");
  if (std::memcmp(blob.algorithm, "Ed", 2) != 0) throw FormatError("secret key: not an Ed25519 minisign key");
  if (std::memcmp(blob.kdf_algorithm, "Sc", 2) != 0 && std::memcmp(blob.kdf_algorithm, "\0\0", 2) != 0) {
    throw FormatError("secret key: unknown key derivation");
  }
  if (std::memcmp(blob.checksum_algorithm, "B2", 2) != 0) throw FormatError("secret key: unknown checksum");
  return blob;
}

std::uint64_t little_endian(const std::uint8_t (&bytes)[8]) {
  std::uint64_t value = 0;
  for (std::size_t i = 8; i-- > 0;) value = value << 8 | bytes[i];
  return value;
}

// Undoes minisign's encryption: XOR with scrypt(password, salt, opslimit, memlimit).
void decrypt(SecretKeyBlob& blob, std::string_view password) {
  const std::uint64_t opslimit = little_endian(blob.kdf_opslimit);
  const std::uint64_t memlimit = little_endian(blob.kdf_memlimit);
  if (memlimit > kMaxScryptMemoryBytes || opslimit > (std::uint64_t{1} << 32)) {
    throw FormatError("secret key: scrypt asks for more memory or time than minisign ever does");
  }
  std::array<std::uint8_t, kEncryptedSecretBytes> stream{};
  if (sodium_init() < 0 ||
      crypto_pwhash_scryptsalsa208sha256(stream.data(), stream.size(), password.data(), password.size(),
                                         blob.kdf_salt, opslimit, static_cast<std::size_t>(memlimit)) != 0) {
    throw std::runtime_error("secret key: scrypt failed (out of memory?)");
  }
  auto* secret = reinterpret_cast<std::uint8_t*>(&blob) + offsetof(SecretKeyBlob, key_id);
  for (std::size_t i = 0; i < stream.size(); ++i) secret[i] ^= stream[i];
  sodium_memzero(stream.data(), stream.size());
}

Blake2b256 secret_key_checksum(const SecretKeyBlob& blob) {
  std::string covered(blob.algorithm, sizeof(blob.algorithm));
  covered.append(reinterpret_cast<const char*>(blob.key_id), sizeof(blob.key_id));
  covered.append(reinterpret_cast<const char*>(blob.seed), sizeof(blob.seed));
  covered.append(reinterpret_cast<const char*>(blob.public_key), sizeof(blob.public_key));
  const Blake2b256 checksum = blake2b256(covered);
  sodium_memzero(covered.data(), covered.size());
  return checksum;
}

}  // namespace

std::string key_id_text(const KeyId& id) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  for (auto byte = id.rbegin(); byte != id.rend(); ++byte) {
    text += kDigits[*byte >> 4];
    text += kDigits[*byte & 15];
  }
  return text;
}

PublicKey parse_public_key(std::string_view text) {
  const std::vector<std::string_view> lines = lines_of(text);
  std::string_view key_line;
  if (lines.size() == 1) {
    key_line = lines[0];
  } else if (lines.size() == 2) {
    after_prefix(lines[0], kUntrustedPrefix, "public key");
    key_line = lines[1];
  } else {
    throw FormatError("public key: expected a comment line and a key line");
  }
  PublicKeyBlob blob;
  base64_decode_exact(key_line, &blob, sizeof(blob), "public key");
  if (std::memcmp(blob.algorithm, "Ed", 2) != 0) {
    throw FormatError("public key: not an Ed25519 minisign key");
  }
  PublicKey key;
  std::memcpy(key.id.data(), blob.key_id, sizeof(blob.key_id));
  std::memcpy(key.key.data(), blob.key, sizeof(blob.key));
  return key;
}

std::string format_public_key(const PublicKey& key) {
  PublicKeyBlob blob;
  std::memcpy(blob.algorithm, "Ed", 2);
  std::memcpy(blob.key_id, key.id.data(), sizeof(blob.key_id));
  std::memcpy(blob.key, key.key.data(), sizeof(blob.key));
  return std::string(kUntrustedPrefix) + "minisign public key " + key_id_text(key.id) + '\n' +
         base64_encode(&blob, sizeof(blob)) + '\n';
}

bool secret_key_needs_password(std::string_view text) {
  return std::memcmp(decode_secret_key(text).kdf_algorithm, "Sc", 2) == 0;
}

SecretKey parse_secret_key(std::string_view text, std::string_view password) {
  SecretKeyBlob blob = decode_secret_key(text);
  const bool encrypted = std::memcmp(blob.kdf_algorithm, "Sc", 2) == 0;
  if (encrypted) decrypt(blob, password);
  const Blake2b256 checksum = secret_key_checksum(blob);
  // minisign 0.11 leaves the checksum of a key it does not encrypt zero.
  const bool unchecked = !encrypted && std::all_of(std::begin(blob.checksum), std::end(blob.checksum),
                                                   [](std::uint8_t byte) { return byte == 0; });
  if (!unchecked && std::memcmp(checksum.data(), blob.checksum, checksum.size()) != 0) {
    throw FormatError(encrypted ? "secret key: wrong password" : "secret key: damaged (checksum does not match)");
  }
  Ed25519Seed seed;
  KeyId id;
  std::memcpy(seed.data(), blob.seed, seed.size());
  std::memcpy(id.data(), blob.key_id, id.size());
  SecretKey key = secret_key_from_seed(id, seed);
  if (std::memcmp(key.public_key.data(), blob.public_key, key.public_key.size()) != 0) {
    throw FormatError("secret key: damaged (its public half does not match)");
  }
  return key;
}

std::string format_secret_key(const SecretKey& key) {
  SecretKeyBlob blob{};
  std::memcpy(blob.algorithm, "Ed", 2);
  std::memcpy(blob.checksum_algorithm, "B2", 2);
  std::memcpy(blob.key_id, key.id.data(), sizeof(blob.key_id));
  std::memcpy(blob.seed, key.seed.data(), sizeof(blob.seed));
  std::memcpy(blob.public_key, key.public_key.data(), sizeof(blob.public_key));
  const Blake2b256 checksum = secret_key_checksum(blob);
  std::memcpy(blob.checksum, checksum.data(), checksum.size());
  return std::string(kUntrustedPrefix) + "minisign secret key " + key_id_text(key.id) + " (not encrypted)\n" +
         base64_encode(&blob, sizeof(blob)) + '\n';
}

Signature parse_signature(std::string_view text) {
  const std::vector<std::string_view> lines = lines_of(text);
  if (lines.size() != 4) throw FormatError("signature: expected four lines");
  Signature signature;
  signature.untrusted_comment = after_prefix(lines[0], kUntrustedPrefix, "signature");
  SignatureBlob blob;
  base64_decode_exact(lines[1], &blob, sizeof(blob), "signature");
  if (std::memcmp(blob.algorithm, "ED", 2) == 0) {
    signature.algorithm = Algorithm::kPrehashed;
  } else if (std::memcmp(blob.algorithm, "Ed", 2) == 0) {
    signature.algorithm = Algorithm::kLegacy;
  } else {
    throw FormatError("signature: unknown algorithm");
  }
  std::memcpy(signature.key_id.data(), blob.key_id, sizeof(blob.key_id));
  std::memcpy(signature.signature.data(), blob.signature, sizeof(blob.signature));
  signature.trusted_comment = after_prefix(lines[2], kTrustedPrefix, "signature");
  if (!valid_comment(signature.trusted_comment)) throw FormatError("signature: trusted comment too long");
  base64_decode_exact(lines[3], signature.global_signature.data(), signature.global_signature.size(),
                      "signature: global signature");
  return signature;
}

std::string format_signature(const Signature& signature) {
  SignatureBlob blob;
  std::memcpy(blob.algorithm, signature.algorithm == Algorithm::kPrehashed ? "ED" : "Ed", 2);
  std::memcpy(blob.key_id, signature.key_id.data(), sizeof(blob.key_id));
  std::memcpy(blob.signature, signature.signature.data(), sizeof(blob.signature));
  return std::string(kUntrustedPrefix) + signature.untrusted_comment + '\n' +
         base64_encode(&blob, sizeof(blob)) + '\n' + std::string(kTrustedPrefix) +
         signature.trusted_comment + '\n' +
         base64_encode(signature.global_signature.data(), signature.global_signature.size()) + '\n';
}

SecretKey secret_key_from_seed(const KeyId& id, const Ed25519Seed& seed) {
  const Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  SecretKey key{id, seed, {}};
  std::size_t length = key.public_key.size();
  if (!pkey || EVP_PKEY_get_raw_public_key(pkey.get(), key.public_key.data(), &length) != 1 ||
      length != key.public_key.size()) {
    throw std::runtime_error("OpenSSL cannot derive an Ed25519 public key");
  }
  return key;
}

PublicKey public_key_of(const SecretKey& key) { return {key.id, key.public_key}; }

Signature sign(const SecretKey& key, std::string_view data, std::string_view trusted_comment,
               std::string_view untrusted_comment) {
  if (!valid_comment(trusted_comment) || !valid_comment(untrusted_comment)) {
    throw FormatError("signature: a comment must be one line of at most 1024 bytes");
  }
  Signature signature;
  signature.algorithm = Algorithm::kPrehashed;
  signature.key_id = key.id;
  const Blake2b512 prehash = blake2b512(data);
  signature.signature = ed25519_sign(key.seed, as_text(prehash.data(), prehash.size()));
  signature.untrusted_comment = untrusted_comment;
  signature.trusted_comment = trusted_comment;
  signature.global_signature = ed25519_sign(key.seed, global_message(signature));
  return signature;
}

std::string_view signature_check_text(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::kValid: return "valid";
    case SignatureCheck::kUnknownKey: return "signed by a key that is not trusted";
    case SignatureCheck::kBadSignature: return "signature does not match the data";
    case SignatureCheck::kBadTrustedComment: return "trusted comment does not match its signature";
  }
  return "unknown signature check";
}

SignatureCheck verify(const Signature& signature, std::span<const PublicKey> trusted_keys,
                      std::string_view data) {
  const auto key = std::find_if(trusted_keys.begin(), trusted_keys.end(),
                                [&](const PublicKey& candidate) { return candidate.id == signature.key_id; });
  if (key == trusted_keys.end()) return SignatureCheck::kUnknownKey;
  bool data_valid = false;
  if (signature.algorithm == Algorithm::kPrehashed) {
    const Blake2b512 prehash = blake2b512(data);
    data_valid = ed25519_verify(key->key, signature.signature, as_text(prehash.data(), prehash.size()));
  } else {
    data_valid = ed25519_verify(key->key, signature.signature, data);
  }
  if (!data_valid) return SignatureCheck::kBadSignature;
  if (!ed25519_verify(key->key, signature.global_signature, global_message(signature))) {
    return SignatureCheck::kBadTrustedComment;
  }
  return SignatureCheck::kValid;
}

}  // namespace dnsstop::minisign
