// File writers on top of POSIX calls and core's atomic writer.
#include "blocklist-sync/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <stdexcept>
#include <system_error>

#include "core/snapshot_file.h"

namespace dnsstop::sync {
namespace {

std::runtime_error errno_error(const std::string& path, int error_number) {
  return std::runtime_error(path + ": " + std::generic_category().message(error_number));
}

}  // namespace

void write_text_atomically(const std::string& path, std::string_view text) {
  write_file_atomically(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void create_private_file(const std::string& path, std::string_view text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw errno_error(path, errno);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t written = ::write(fd, text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      const int saved = errno;
      ::close(fd);
      throw errno_error(path, saved);
    }
    done += static_cast<std::size_t>(written);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw errno_error(path, errno);
}

}  // namespace dnsstop::sync
