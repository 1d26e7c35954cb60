// The versions of a list kept as files in a directory, as the publisher publishes
// them and dnsstop-sync keeps them (reading and writing files: core/file_io.h).
//
// Any thread; list_file_serials does blocking I/O proportional to the directory's size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsstop::sync {

// The file name of version SERIAL of LIST's full list: LIST-SERIAL.list. The
// publisher publishes them under that name and dnsstop-sync keeps them so.
std::string list_file_name(std::string_view list, std::uint64_t serial);

// The serials of the full lists LIST-SERIAL.list in `directory`, ascending. Throws
// FileError when the directory cannot be read.
std::vector<std::uint64_t> list_file_serials(const std::string& directory, std::string_view list);

}  // namespace dnsstop::sync
