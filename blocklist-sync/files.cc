// File helpers on top of POSIX calls and core's atomic writer.
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
      throw std::runtime_error(path + ": larger than " + std::to_string(max_bytes) + " bytes");
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
