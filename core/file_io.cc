// File operations on POSIX calls, each failure a FileError naming path and operation.
#include "core/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace dnsstop {
namespace {

constexpr const char* kRead = "read";

std::string file_error_message(const std::string& path, const std::string& operation, const std::string& reason) {
  return path + ": " + (operation == kRead ? "" : "cannot " + operation + ": ") + reason;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

FileError::FileError(std::string path, std::string operation, int error_number, std::string reason)
    : std::system_error(error_number, std::generic_category()),
      path_(std::move(path)),
      operation_(std::move(operation)),
      message_(file_error_message(path_, operation_, reason.empty() ? code().message() : reason)) {}

OpenFile::OpenFile(std::string path, int flags, mode_t mode, std::string operation)
    : path_(std::move(path)), fd_(::open(path_.c_str(), flags | O_CLOEXEC, mode)) {
  if (fd_ < 0) throw FileError(path_, std::move(operation), errno);
}

OpenFile::OpenFile(std::string path, int descriptor) : path_(std::move(path)), fd_(descriptor) {}

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

struct stat OpenFile::status() const {
  struct stat status {};
  if (::fstat(fd_, &status) != 0) throw FileError(path_, "stat", errno);
  return status;
}

std::size_t OpenFile::read_some(std::span<std::uint8_t> buffer) {
  for (;;) {
    const ssize_t got = ::read(fd_, buffer.data(), buffer.size());
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno != EINTR) throw FileError(path_, kRead, errno);
  }
}

void OpenFile::read_exactly_at(std::uint64_t offset, std::span<std::uint8_t> buffer) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const ssize_t got = ::pread(fd_, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw FileError(path_, kRead, errno);
    if (got == 0) throw FileError(path_, kRead, EIO, "file shrank while being read");
    done += static_cast<std::size_t>(got);
  }
}

void OpenFile::write_all(std::span<const std::uint8_t> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t written = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) throw FileError(path_, "write", errno);
    done += static_cast<std::size_t>(written);
  }
}

void OpenFile::write_all(std::string_view text) { write_all(bytes_of(text)); }

void OpenFile::sync() {
  if (::fsync(fd_) != 0) throw FileError(path_, "fsync", errno);
}

void OpenFile::close() {
  if (::close(std::exchange(fd_, -1)) != 0) throw FileError(path_, "close", errno);
}

FileIdentity identity_of(const struct stat& status) {
  return {static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino),
          static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 + status.st_mtim.tv_nsec,
          static_cast<std::uint64_t>(status.st_size)};
}

FileIdentity identify_file(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) throw FileError(path, "stat", errno);
  return identity_of(status);
}

std::optional<std::string> read_file_if_present(const std::string& path, std::size_t max_bytes) {
  std::optional<OpenFile> file;
  try {
    file.emplace(path, O_RDONLY, 0, kRead);
  } catch (const FileError& error) {
    if (error.code() == std::errc::no_such_file_or_directory) return std::nullopt;
    throw;
  }
  std::string content;
  std::uint8_t buffer[1 << 16];
  while (const std::size_t got = file->read_some(buffer)) {
    content.append(reinterpret_cast<const char*>(buffer), got);
    if (content.size() > max_bytes) {
      throw FileError(path, kRead, EFBIG, "larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return content;
}

std::string read_whole_file(const std::string& path, std::size_t max_bytes) {
  std::optional<std::string> content = read_file_if_present(path, max_bytes);
  if (!content) throw FileError(path, kRead, ENOENT);
  return *std::move(content);
}

void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes) {
  std::string temporary = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) throw FileError(path, "create a temporary file beside it", errno);
  try {
    OpenFile file(temporary, fd);
    file.write_all(bytes);
    if (::fchmod(file.descriptor(), 0644) != 0) throw FileError(path, "set permissions", errno);
    file.sync();
    file.close();
    if (::rename(temporary.c_str(), path.c_str()) != 0) throw FileError(path, "rename into place", errno);
  } catch (const FileError& error) {
    ::unlink(temporary.c_str());
    // The temporary file's name means nothing to the reader: the error names `path`.
    if (error.path() == path) throw;
    throw FileError(path, error.operation(), error.code().value());
  }
  const std::string directory = directory_of(path);
  const int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool synced = directory_fd >= 0 && ::fsync(directory_fd) == 0;
  const int saved = errno;
  if (directory_fd >= 0) ::close(directory_fd);
  if (!synced) throw FileError(path, "fsync its directory after the rename", saved);
}

void write_file_atomically(const std::string& path, std::string_view text) { write_file_atomically(path, bytes_of(text)); }

void create_new_file(const std::string& path, std::string_view text, mode_t mode) {
  OpenFile file(path, O_WRONLY | O_CREAT | O_EXCL, mode, "create");
  file.write_all(text);
  file.sync();
  file.close();
}

void append_to_file(const std::string& path, std::string_view text, mode_t mode) {
  OpenFile file(path, O_WRONLY | O_APPEND | O_CREAT, mode, "open for appending");
  file.write_all(text);
  file.sync();
  file.close();
}

std::vector<std::string> directory_entries(const std::string& path) {
  DIR* directory = ::opendir(path.c_str());
  if (directory == nullptr) throw FileError(path, "list", errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(directory)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(directory);
  return names;
}

}  // namespace dnsstop
