// Every file operation of the programs and the module, on POSIX calls: bounded
// whole-file reads (a wrong path such as /dev/zero fails at once instead of filling
// memory), atomic replacement (a reader never sees half a file), new private files,
// appends, directory listings, and a file's identity. Every failure is one type,
// FileError, which names the path and the operation and keeps errno.
//
// Any thread but a DNS worker: blocking file I/O proportional to the file's size (read in
// 64 KiB steps).
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace dnsstop {

// A file operation that failed. what() is "PATH: REASON" for a read (as every Unix
// tool reports a file it cannot read) and "PATH: cannot OPERATION: REASON" for any
// other operation; REASON is errno's text unless a more precise one is given (a file
// past its size bound is EFBIG, "larger than N bytes").
class FileError : public std::system_error {
 public:
  FileError(std::string path, std::string operation, int error_number, std::string reason = "");
  const char* what() const noexcept override { return message_.c_str(); }
  const std::string& path() const noexcept { return path_; }
  const std::string& operation() const noexcept { return operation_; }

 private:
  std::string path_;
  std::string operation_;
  std::string message_;
};

// An open file descriptor that closes itself; each call names its path in errors
// and retries system calls interrupted by a signal (EINTR).
class OpenFile {
 public:
  // open(2) with `flags` | O_CLOEXEC; a failure is FileError(path, operation).
  OpenFile(std::string path, int flags, mode_t mode, std::string operation);
  // Takes ownership of a descriptor already open on `path`.
  OpenFile(std::string path, int descriptor);
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();

  int descriptor() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }
  struct stat status() const;
  // Up to buffer.size() bytes from the current position; 0 at the end of the file.
  std::size_t read_some(std::span<std::uint8_t> buffer);
  // Exactly buffer.size() bytes from `offset`; a file shorter than that is an error.
  void read_exactly_at(std::uint64_t offset, std::span<std::uint8_t> buffer);
  void write_all(std::span<const std::uint8_t> bytes);
  void write_all(std::string_view text);
  void sync();
  // close(2) reports delayed write errors, so a writer closes explicitly.
  void close();

 private:
  std::string path_;
  int fd_;
};

// Identifies the file a path names (device, inode, modification time, size), to
// notice when it is replaced. Throws FileError(path, "stat").
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t modified_ns = 0;
  std::uint64_t size = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};
FileIdentity identity_of(const struct stat& status);
FileIdentity identify_file(const std::string& path);

// nullopt when the file does not exist. Past `max_bytes` the error's code is EFBIG
// ("PATH: larger than N bytes").
std::optional<std::string> read_file_if_present(const std::string& path, std::size_t max_bytes);

// As read_file_if_present, but a missing file is an error too.
std::string read_whole_file(const std::string& path, std::size_t max_bytes);

// Writes the bytes to a temporary file in the target's directory (mode 0644), fsyncs
// it, renames it over `path` and fsyncs the directory. On failure the previous file
// is untouched and the temporary file removed.
void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes);
void write_file_atomically(const std::string& path, std::string_view text);

// Creates `path` with `mode` and writes and fsyncs `text`; refuses to overwrite.
void create_new_file(const std::string& path, std::string_view text, mode_t mode);

// Appends `text` to `path` (created with `mode` when missing) and fsyncs it.
void append_to_file(const std::string& path, std::string_view text, mode_t mode);

// The names in a directory, without "." and "..", in no particular order.
std::vector<std::string> directory_entries(const std::string& path);

}  // namespace dnsstop
