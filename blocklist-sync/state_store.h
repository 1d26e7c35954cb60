// What dnsstop-sync holds per list, kept across restarts in the state directory:
//   NAME.state           the newest accepted version (serial, hash, times, HTTP
//                        validators, signers), the earlier versions kept for `pin`,
//                        the version held for approval, the serial pinned
//   NAME-SERIAL.list     each of those versions' list in canonical form
//   NAME.journal         every version seen and every operator action (core/journal.h)
//   NAME.pin, NAME.approve   the operator's requests (`dnsstop-sync pin|approve`),
//                        written by the command, read by the daemon
// List files are written before the state file that names them, each atomically, so
// a crash at any moment leaves the previous or the new state, never a state without
// its lists; files no state names are removed after the state is written. The
// directory is created 0750 and the journal 0640: the list is secret.
//
// The daemon's sync thread writes; the operator's commands only read, apart from
// their request files. Costs one file read or write per list version touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/journal.h"
#include "core/update_rules.h"

namespace dnsstop::sync {

struct VersionInfo {
  std::uint64_t serial = 0;
  Sha256 sha256{};
  std::uint64_t created_unix = 0;
  std::uint64_t expires_unix = 0;
  std::uint64_t seen_unix = 0;  // when accepted (or, for a held version, when held)
  std::uint64_t entries = 0;    // what the list parser made of it, for metrics before it is parsed again
  std::string signers;          // key ids, comma-separated
  std::string etag;             // of the manifest, for the next conditional request
  std::string last_modified;    // likewise
};

struct ListState {
  std::optional<VersionInfo> newest;  // the newest accepted version: the rollback floor, the delta base
  std::vector<VersionInfo> earlier;   // earlier accepted versions still kept, newest first
  std::optional<VersionInfo> held;    // a version waiting for the operator's approval
  Reason held_reason = Reason::kChangeBounds;
  std::string held_why;
  std::uint64_t pinned = 0;  // the serial the operator put in force; 0: none (the newest is)
  std::uint64_t in_force_serial() const { return pinned != 0 ? pinned : newest ? newest->serial : 0; }
  // The accepted version of `serial` (the newest or a kept earlier one), if kept.
  const VersionInfo* accepted(std::uint64_t serial) const;
};

class StateStore {
 public:
  explicit StateStore(std::string directory) : directory_(std::move(directory)) {}

  // An empty state when nothing was accepted yet. A damaged state file throws
  // std::runtime_error naming it.
  ListState load(const std::string& list_name) const;
  // The canonical text of a version named by the state; a missing file or one that
  // does not match its hash throws std::runtime_error.
  std::string read_list(const std::string& list_name, const VersionInfo& version) const;
  // Writes the texts given (versions whose files are not there yet), then the state,
  // then removes list files the state no longer names.
  void save(const std::string& list_name, const ListState& state,
            const std::vector<std::pair<std::uint64_t, const std::string*>>& new_texts) const;

  // Appends one record to NAME.journal and flushes it to disk.
  void append_journal(const std::string& list_name, const JournalRecord& record) const;
  std::string journal_path(const std::string& list_name) const;

  // The operator's requests: the serial named in NAME.pin / NAME.approve, if any.
  std::optional<std::uint64_t> read_request(const std::string& list_name, std::string_view kind) const;
  // Written by the commands, owned like the directory so that the daemon can read it.
  void write_request(const std::string& list_name, std::string_view kind, std::uint64_t serial) const;
  void remove_request(const std::string& list_name, std::string_view kind) const;

 private:
  std::string state_path(const std::string& list_name) const;
  std::string list_path(const std::string& list_name, std::uint64_t serial) const;
  std::string request_path(const std::string& list_name, std::string_view kind) const;
  std::string directory_;
};

}  // namespace dnsstop::sync
