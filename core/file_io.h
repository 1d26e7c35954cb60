// Reading whole input files (lists, configuration, keys, templates) with a size
// bound, so that a wrong path such as /dev/zero fails at once instead of filling memory.
//
// Any thread; blocking file I/O proportional to the file's size (read in 64 KiB steps).
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace dnsstop {

class FileTooLargeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// nullopt when the file does not exist. Throws FileTooLargeError ("PATH: larger than
// N bytes") past `max_bytes`, std::runtime_error ("PATH: reason") when unreadable.
std::optional<std::string> read_file_if_present(const std::string& path, std::size_t max_bytes);

// As read_file_if_present, but a missing file is an error too.
std::string read_whole_file(const std::string& path, std::size_t max_bytes);

}  // namespace dnsstop
