// SHA-256 and BLAKE2b-512 through OpenSSL's EVP interface, BLAKE2b-256 through libsodium.
#include "core/digest.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <stdexcept>

namespace dnsstop {
namespace {

template <std::size_t kBytes>
std::array<std::uint8_t, kBytes> evp_digest(const EVP_MD* algorithm, std::string_view bytes) {
  std::array<std::uint8_t, kBytes> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, algorithm, nullptr) != 1 ||
      length != kBytes) {
    // Only a broken OpenSSL installation gets here; nothing can be verified then.
    throw std::runtime_error("OpenSSL cannot compute the digest");
  }
  return digest;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Sha256 sha256(std::string_view bytes) { return evp_digest<32>(EVP_sha256(), bytes); }

Blake2b512 blake2b512(std::string_view bytes) { return evp_digest<64>(EVP_blake2b512(), bytes); }

Blake2b256 blake2b256(std::string_view bytes) {
  Blake2b256 digest{};
  if (sodium_init() < 0 ||
      crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                         bytes.size(), nullptr, 0) != 0) {
    throw std::runtime_error("libsodium cannot compute BLAKE2b-256");
  }
  return digest;
}

std::string to_hex(const Sha256& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (const std::uint8_t byte : digest) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

std::optional<Sha256> sha256_from_hex(std::string_view text) {
  Sha256 digest{};
  if (text.size() != digest.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return digest;
}

}  // namespace dnsstop
