// Whole-file writes for the publisher and the sync daemon (reads: core/file_io.h),
// and the versions of a list kept as files in a directory.
//
// Any thread; each call does blocking file I/O proportional to the file's size (or
// the directory's, for list_file_serials).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dnsstop::sync {

// Replaces `path` atomically (temporary file, fsync, rename, fsync of the directory).
void write_text_atomically(const std::string& path, std::string_view text);

// Creates `path`, readable by its owner only; refuses to overwrite. For secret keys.
void create_private_file(const std::string& path, std::string_view text);

// The file name of version SERIAL of LIST's full list: LIST-SERIAL.list. The
// publisher publishes them under that name and dnsstop-sync keeps them so.
std::string list_file_name(std::string_view list, std::uint64_t serial);

// The serials of the full lists LIST-SERIAL.list in `directory`, ascending. Throws
// std::runtime_error naming the directory when it cannot be read.
std::vector<std::uint64_t> list_file_serials(const std::string& directory, std::string_view list);

}  // namespace dnsstop::sync
