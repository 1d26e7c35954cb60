// Cryptographic hashes for signed list distribution: SHA-256 of list files (named
// in manifests), BLAKE2b-512 (what minisign's prehashed "ED" signatures sign) and
// unkeyed BLAKE2b-256 (the checksum in minisign's secret-key file).
//
// Pure; any thread. Costs one pass over the bytes (OpenSSL's EVP implementations;
// libsodium's for BLAKE2b-256, which OpenSSL 3.0 lacks: its BLAKE2b digest has a
// fixed 512-bit output, and its BLAKE2b MAC needs a key).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dnsstop {

using Sha256 = std::array<std::uint8_t, 32>;
using Blake2b512 = std::array<std::uint8_t, 64>;
using Blake2b256 = std::array<std::uint8_t, 32>;

Sha256 sha256(std::string_view bytes);
Blake2b512 blake2b512(std::string_view bytes);
Blake2b256 blake2b256(std::string_view bytes);

// Lower-case hex, two digits per byte.
std::string to_hex(const Sha256& digest);
// Exactly 64 hex digits (either case), else nullopt.
std::optional<Sha256> sha256_from_hex(std::string_view text);

}  // namespace dnsstop
