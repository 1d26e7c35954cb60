// Snapshot files on disk: loading one into private read-only memory (then
// validating it), and replacing a file atomically so a reader never sees half of it.
//
// Called from a background thread (the module's watcher, the sync daemon, the CLI),
// never from a DNS worker: both do file I/O and may take milliseconds to seconds.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/snapshot_reader.h"

namespace dnsstop {

// Identifies the file a snapshot was loaded from, to notice when it is replaced.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t modified_ns = 0;
  std::uint64_t size = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// Throws std::system_error naming the path when the file cannot be stat'ed.
FileIdentity identify_file(const std::string& path);

class LoadedSnapshot {
 public:
  // Reads the whole file into an anonymous mapping (not a file mapping: a file
  // truncated or rewritten in place would make a file mapping fault with SIGBUS and
  // kill the resolver), asks for transparent huge pages (fewer TLB misses on
  // lookups), validates it, then makes it read-only.
  // Throws SnapshotError starting with the path when the file is missing,
  // unreadable, or fails validation.
  static std::unique_ptr<const LoadedSnapshot> load(const std::string& path);

  LoadedSnapshot(const LoadedSnapshot&) = delete;
  LoadedSnapshot& operator=(const LoadedSnapshot&) = delete;
  ~LoadedSnapshot();

  const SnapshotView& view() const noexcept { return view_; }
  const FileIdentity& identity() const noexcept { return identity_; }

 private:
  LoadedSnapshot(void* mapping, std::size_t mapping_size) : mapping_(mapping), mapping_size_(mapping_size) {}
  void* mapping_;
  std::size_t mapping_size_;
  SnapshotView view_;
  FileIdentity identity_;
};

// Writes `bytes` to a temporary file in the target's directory, fsyncs it, renames
// it over `path` and fsyncs the directory. Throws std::system_error naming the path;
// on failure the previous file is untouched and the temporary file removed.
void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes);

}  // namespace dnsstop
