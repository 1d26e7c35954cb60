// The publisher's side of signed list distribution: turns a plain list file into a
// directory any static HTTP server can serve (docs/list-distribution.md):
//   NAME.manifest, NAME.manifest.minisig   the signed manifest (replaced each time)
//   NAME.manifest.minisig.2 ...            co-signatures (cosign), removed by the next publish
//   NAME-SERIAL.list                       the full list in canonical form
//   NAME-OLD-SERIAL.delta                  from each of the last kept serials
// Data files are written before the manifest that names them, so a fetcher never
// finds a manifest whose files are missing.
//
// Called from dnsstop-publish's main thread. Costs O(n log n) for n list lines, per
// kept delta one more pass over an older list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/minisign.h"
#include "core/public_suffix.h"

namespace dnsstop::sync {

struct PublishRequest {
  std::string list_name;
  std::string list_path;   // the plain list file (docs/list-format.md)
  std::string output_dir;
  minisign::SecretKey key;
  std::uint64_t serial = 0;  // 0: one more than the manifest already in output_dir, or 1
  std::uint64_t created_unix = 0;
  std::uint64_t lifetime_seconds = 7 * 24 * 3600;  // expires = created + lifetime
  std::uint64_t now_unix = 0;  // the time of publishing: a manifest expired by then is refused
  std::size_t kept_deltas = 8;  // deltas from this many earlier serials
  const PublicSuffixList* public_suffixes = nullptr;  // warn about entries blocking one
};

struct PublishResult {
  Manifest manifest;
  std::vector<std::string> problems;  // lines the list parser would skip, at most 1000
  std::size_t skipped_lines = 0;
  // Subtree entries that are public suffixes: resolvers hold such a version for their
  // operator's approval, so the publisher is warned first.
  std::vector<std::string> public_suffix_entries;
};

// Creates output_dir if needed. Throws std::runtime_error, before writing anything,
// when the manifest would already be expired (resolvers refuse those), the list
// cannot be read or the serial does not grow; and when a file cannot be written. The
// manifest's mtime is made later than the one it replaces, so a static server's
// validators (mtime in seconds and size) change even for a correction published
// within the same second.
PublishResult publish(const PublishRequest& request);

// A second (third...) person's signature of the manifest already published in
// `output_dir`: a plain minisign signature with the same trusted comment, written as
// NAME.manifest.minisig.N (the first N >= 2 free, or the one this key wrote
// before). Returns its path. Throws std::runtime_error when there is no manifest or
// `key` already made its signature file .minisig.
std::string cosign(const std::string& output_dir, const std::string& list_name, const minisign::SecretKey& key);

}  // namespace dnsstop::sync
