// The signed manifest of a published list: which list, which serial, when it was
// made and when it expires, and the files (full list, deltas) with size and SHA-256.
// The format is strict line-oriented text, described in docs/list-distribution.md:
//
//   dnsstop-manifest 1
//   list police
//   serial 42
//   created 1767225600
//   expires 1767830400
//   full police-42.list 1234567 <sha256 hex>
//   delta 41 police-41-42.delta 2345 <sha256 hex>     (zero or more, serials descending)
//
// Pure; any thread. Parsing costs O(size), which is capped at kMaxManifestBytes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.h"

namespace dnsstop {

inline constexpr std::size_t kMaxManifestBytes = 64 * 1024;
inline constexpr std::size_t kMaxManifestDeltas = 64;
inline constexpr std::size_t kMaxPublishedFileNameBytes = 128;

// what() is "manifest line N: what is wrong" (or names the whole manifest).
class ManifestError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

struct PublishedFile {
  std::string name;  // relative to the manifest's URL: 1-128 of [A-Za-z0-9._-], not starting with '.'
  std::uint64_t size = 0;
  Sha256 sha256{};
  friend bool operator==(const PublishedFile&, const PublishedFile&) = default;
};

struct DeltaReference {
  std::uint64_t from_serial = 0;  // applies to the list of this serial, gives the manifest's
  PublishedFile file;
  friend bool operator==(const DeltaReference&, const DeltaReference&) = default;
};

struct Manifest {
  std::string list_name;  // 1-32 of [A-Za-z0-9._-], as in the configuration
  std::uint64_t serial = 0;  // >= 1
  std::uint64_t created_unix = 0;
  std::uint64_t expires_unix = 0;  // > created_unix
  PublishedFile full;
  std::vector<DeltaReference> deltas;  // from_serial strictly descending, each < serial
  friend bool operator==(const Manifest&, const Manifest&) = default;
};

Manifest parse_manifest(std::string_view text);
std::string format_manifest(const Manifest& manifest);

// The claims the publisher signs in the signature's trusted comment, so that the
// signature alone says which list, which serial and until when (also for someone
// checking a file with `minisign -V`): "dnsstop list=NAME serial=N expires=UNIX".
struct SignedClaims {
  std::string list_name;
  std::uint64_t serial = 0;
  std::uint64_t expires_unix = 0;
  friend bool operator==(const SignedClaims&, const SignedClaims&) = default;
};
std::string format_trusted_comment(const SignedClaims& claims);
SignedClaims parse_trusted_comment(std::string_view comment);  // throws ManifestError
SignedClaims claims_of(const Manifest& manifest);

}  // namespace dnsstop
