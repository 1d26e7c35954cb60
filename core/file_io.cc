// Bounded whole-file reads on POSIX calls.
#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace dnsstop {
namespace {

std::runtime_error errno_error(const std::string& path, int error_number) {
  return std::runtime_error(path + ": " + std::generic_category().message(error_number));
}

}  // namespace

std::optional<std::string> read_file_if_present(const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  if (fd < 0) throw errno_error(path, errno);
  std::string content;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int saved = errno;
      ::close(fd);
      throw errno_error(path, saved);
    }
    if (got == 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
    if (content.size() > max_bytes) {
      ::close(fd);
      throw FileTooLargeError(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return content;
}

std::string read_whole_file(const std::string& path, std::size_t max_bytes) {
  std::optional<std::string> content = read_file_if_present(path, max_bytes);
  if (!content) throw errno_error(path, ENOENT);
  return *std::move(content);
}

}  // namespace dnsstop
