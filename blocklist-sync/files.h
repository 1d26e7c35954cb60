// Whole-file reads and writes for the publisher and the sync daemon.
//
// Any thread; each call does blocking file I/O proportional to the file's size.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dnsstop::sync {

// Throws std::runtime_error naming the path when the file cannot be read or is larger
// than `max_bytes`.
std::string read_whole_file(const std::string& path, std::size_t max_bytes);

// nullopt when the file does not exist; throws like read_whole_file otherwise.
std::optional<std::string> read_file_if_present(const std::string& path, std::size_t max_bytes);

// Replaces `path` atomically (temporary file, fsync, rename, fsync of the directory).
void write_text_atomically(const std::string& path, std::string_view text);

// Creates `path`, readable by its owner only; refuses to overwrite. For secret keys.
void create_private_file(const std::string& path, std::string_view text);

}  // namespace dnsstop::sync
