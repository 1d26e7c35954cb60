// What dnsstop-sync has accepted, per list, kept across restarts in the state
// directory: STATE_DIR/NAME.state (serial, hash, times, HTTP validators) naming
// STATE_DIR/NAME-SERIAL.list (the accepted list in canonical form). The list file is
// written before the state file that names it, each atomically, so a crash at any
// moment leaves the previous or the new pair, never a state without its list.
//
// Called from the sync thread only. Costs one file read or write of the list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/digest.h"

namespace dnsstop::sync {

struct AcceptedList {
  std::uint64_t serial = 0;
  std::uint64_t created_unix = 0;
  std::uint64_t expires_unix = 0;
  std::uint64_t accepted_unix = 0;
  std::uint64_t entries = 0;  // what the list parser made of it, for metrics before it is parsed again
  Sha256 sha256{};
  std::string etag;           // of the manifest, for the next conditional request
  std::string last_modified;  // likewise
  std::string canonical_text;
};

class StateStore {
 public:
  explicit StateStore(std::string directory) : directory_(std::move(directory)) {}

  // nullopt when nothing was accepted yet. A state whose list file is missing or
  // does not match its hash is reported (std::runtime_error) rather than trusted.
  std::optional<AcceptedList> load(const std::string& list_name) const;
  void save(const std::string& list_name, const AcceptedList& accepted) const;

 private:
  std::string state_path(const std::string& list_name) const;
  std::string list_path(const std::string& list_name, std::uint64_t serial) const;
  std::string directory_;
};

}  // namespace dnsstop::sync
