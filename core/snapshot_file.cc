// Loading snapshot files into private memory.
#include "core/snapshot_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>

namespace dnsstop {
namespace {

// Far above any real list (10 million names take about 230 MB) and below what a
// 32-bit slot count could address; a larger file is refused before it is read.
constexpr std::uint64_t kMaxSnapshotBytes = std::uint64_t{16} << 30;

}  // namespace

std::unique_ptr<const LoadedSnapshot> LoadedSnapshot::load(const std::string& path) {
  const auto failure = [&](const std::string& what) { return SnapshotError(path + ": " + what); };
  OpenFile file(path, O_RDONLY, 0, "read");
  const struct stat status = file.status();
  if (!S_ISREG(status.st_mode)) throw FileError(path, "read", EINVAL, "not a regular file");
  const auto size = static_cast<std::uint64_t>(status.st_size);
  if (size > kMaxSnapshotBytes) throw failure("file of " + std::to_string(size) + " bytes is too large for a snapshot");

  const std::size_t mapping_size = size == 0 ? 1 : static_cast<std::size_t>(size);
  void* mapping = ::mmap(nullptr, mapping_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED) throw failure("cannot allocate " + std::to_string(size) + " bytes");
  std::unique_ptr<LoadedSnapshot> loaded(new LoadedSnapshot(mapping, mapping_size));
  ::madvise(mapping, mapping_size, MADV_HUGEPAGE);  // advisory: without THP it simply has no effect

  auto* bytes = static_cast<std::uint8_t*>(mapping);
  file.read_exactly_at(0, {bytes, static_cast<std::size_t>(size)});
  if (::mprotect(mapping, mapping_size, PROT_READ) != 0) throw failure("cannot make the snapshot read-only");
  try {
    loaded->view_ = SnapshotView::validate({bytes, static_cast<std::size_t>(size)});
  } catch (const SnapshotError& error) {
    throw failure(error.what());
  }
  loaded->identity_ = identity_of(status);
  return loaded;
}

LoadedSnapshot::~LoadedSnapshot() { ::munmap(mapping_, mapping_size_); }

}  // namespace dnsstop
