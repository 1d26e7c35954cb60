// File writers on top of POSIX calls and core's atomic writer.
#include "blocklist-sync/files.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>
#include <stdexcept>
#include <system_error>

#include "core/decimal.h"
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

std::string list_file_name(std::string_view list, std::uint64_t serial) {
  return std::string(list) + '-' + std::to_string(serial) + ".list";
}

std::vector<std::uint64_t> list_file_serials(const std::string& directory, std::string_view list) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) throw errno_error(directory, errno);
  std::vector<std::uint64_t> serials;
  const std::string prefix = std::string(list) + '-';
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view file = entry->d_name;
    if (!file.starts_with(prefix) || !file.ends_with(".list")) continue;
    const std::string_view digits = file.substr(prefix.size(), file.size() - prefix.size() - 5);
    const std::optional<std::uint64_t> serial = parse_decimal(digits);
    if (serial && *serial > 0) serials.push_back(*serial);
  }
  ::closedir(dir);
  std::sort(serials.begin(), serials.end());
  return serials;
}

}  // namespace dnsstop::sync
