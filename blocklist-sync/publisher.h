// The publisher's side of signed list distribution: turns a plain list file into a
// directory any static HTTP server can serve (docs/list-distribution.md):
//   NAME.manifest, NAME.manifest.minisig   the signed manifest (replaced each time)
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
};

struct PublishResult {
  Manifest manifest;
  std::vector<std::string> problems;  // lines the list parser would skip, at most 1000
  std::size_t skipped_lines = 0;
};

// Throws std::runtime_error, before writing anything, when the manifest would
// already be expired (resolvers refuse those), the list cannot be read or the serial
// does not grow; and when a file cannot be written.
PublishResult publish(const PublishRequest& request);

}  // namespace dnsstop::sync
