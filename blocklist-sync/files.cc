// The files of a list's versions, named by serial.
#include "blocklist-sync/files.h"

#include <algorithm>

#include "core/decimal.h"
#include "core/file_io.h"

namespace dnsstop::sync {

std::string list_file_name(std::string_view list, std::uint64_t serial) {
  return std::string(list) + '-' + std::to_string(serial) + ".list";
}

std::vector<std::uint64_t> list_file_serials(const std::string& directory, std::string_view list) {
  std::vector<std::uint64_t> serials;
  const std::string prefix = std::string(list) + '-';
  for (const std::string& file : directory_entries(directory)) {
    if (!file.starts_with(prefix) || !file.ends_with(".list")) continue;
    const std::string_view digits = std::string_view(file).substr(prefix.size(), file.size() - prefix.size() - 5);
    const std::optional<std::uint64_t> serial = parse_decimal(digits);
    if (serial && *serial > 0) serials.push_back(*serial);
  }
  std::sort(serials.begin(), serials.end());
  return serials;
}

}  // namespace dnsstop::sync
