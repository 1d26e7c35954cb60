// Loading snapshot files into private memory and replacing files atomically.
#include "core/snapshot_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace dnsstop {
namespace {

// Far above any real list (10 million names take about 230 MB) and below what a
// 32-bit slot count could address; a larger file is refused before it is read.
constexpr std::uint64_t kMaxSnapshotBytes = std::uint64_t{16} << 30;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // close(2) reports delayed write errors, so writers must check it.
  int release_and_close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

FileIdentity identity_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::uint64_t>(st.st_size)};
}

std::system_error errno_error(const std::string& what, const std::string& path) {
  return std::system_error(errno, std::generic_category(), path + ": " + what);
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

FileIdentity identify_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw errno_error("cannot stat", path);
  return identity_of(st);
}

std::unique_ptr<const LoadedSnapshot> LoadedSnapshot::load(const std::string& path) {
  const auto failure = [&](const std::string& what) { return SnapshotError(path + ": " + what); };
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) throw failure(std::generic_category().message(errno));
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) throw failure(std::generic_category().message(errno));
  if (!S_ISREG(st.st_mode)) throw failure("not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > kMaxSnapshotBytes) throw failure("file of " + std::to_string(size) + " bytes is too large for a snapshot");

  const std::size_t mapping_size = size == 0 ? 1 : static_cast<std::size_t>(size);
  void* mapping = ::mmap(nullptr, mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw failure("cannot allocate " + std::to_string(size) + " bytes");
  std::unique_ptr<LoadedSnapshot> loaded(new LoadedSnapshot(mapping, mapping_size));
  ::madvise(mapping, mapping_size, MADV_HUGEPAGE);  // advisory: without THP it simply has no effect

  auto* bytes = static_cast<std::uint8_t*>(mapping);
  std::uint64_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(file.get(), bytes + done, static_cast<std::size_t>(size - done), static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw failure(std::generic_category().message(errno));
    if (got == 0) throw failure("file shrank while being read");
    done += static_cast<std::uint64_t>(got);
  }
  if (::mprotect(mapping, mapping_size, PROT_READ) != 0) throw failure("cannot make the snapshot read-only");
  try {
    loaded->view_ = SnapshotView::validate({bytes, static_cast<std::size_t>(size)});
  } catch (const SnapshotError& error) {
    throw failure(error.what());
  }
  loaded->identity_ = identity_of(st);
  return loaded;
}

LoadedSnapshot::~LoadedSnapshot() { ::munmap(mapping_, mapping_size_); }

void write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes) {
  const std::string directory = directory_of(path);
  std::string temporary = path + ".tmp.XXXXXX";
  FileDescriptor file(::mkstemp(temporary.data()));
  if (file.get() < 0) throw errno_error("cannot create a temporary file beside it", path);
  const auto remove_temporary_and_throw = [&](const std::string& what) {
    const std::system_error error = errno_error(what, path);
    ::unlink(temporary.c_str());
    throw error;
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t written = ::write(file.get(), bytes.data() + done, bytes.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) remove_temporary_and_throw("cannot write");
    done += static_cast<std::size_t>(written);
  }
  if (::fchmod(file.get(), 0644) != 0) remove_temporary_and_throw("cannot set permissions");
  if (::fsync(file.get()) != 0) remove_temporary_and_throw("cannot fsync");
  if (file.release_and_close() != 0) remove_temporary_and_throw("cannot close");
  if (::rename(temporary.c_str(), path.c_str()) != 0) remove_temporary_and_throw("cannot rename into place");
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) throw errno_error("renamed, but cannot fsync its directory", path);
}

}  // namespace dnsstop
