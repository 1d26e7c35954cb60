// Snapshot files on disk: loading one into private read-only memory, then
// validating it. Writing one is core/file_io.h's write_file_atomically.
//
// Called from a background thread (the snapshot followers, the sync daemon, the CLI),
// never from a DNS worker: it does file I/O and may take milliseconds to seconds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/file_io.h"
#include "core/snapshot_reader.h"

namespace dnsstop {

class LoadedSnapshot {
 public:
  // Reads the whole file into an anonymous mapping (not a file mapping: a file
  // truncated or rewritten in place would make a file mapping fault with SIGBUS and
  // kill the resolver), asks for transparent huge pages (fewer TLB misses on
  // lookups), validates it, then makes it read-only.
  // Throws FileError when the file is missing, unreadable or not a regular file,
  // SnapshotError starting with the path when its content fails validation.
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

}  // namespace dnsstop
