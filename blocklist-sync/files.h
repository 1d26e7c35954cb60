// Whole-file writes for the publisher and the sync daemon (reads: core/file_io.h).
//
// Any thread; each call does blocking file I/O proportional to the file's size.
#pragma once

#include <string>
#include <string_view>

namespace dnsstop::sync {

// Replaces `path` atomically (temporary file, fsync, rename, fsync of the directory).
void write_text_atomically(const std::string& path, std::string_view text);

// Creates `path`, readable by its owner only; refuses to overwrite. For secret keys.
void create_private_file(const std::string& path, std::string_view text);

}  // namespace dnsstop::sync
