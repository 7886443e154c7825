// Whole-file writes that readers never see half done: a temp file in the same directory
// (created 0600), fsync, rename over the target, fsync the directory.
#pragma once

#include <sys/types.h>
#include <optional>
#include <string>
#include <string_view>

namespace darcy::devctl {

// Replaces `path` with `content`, then sets the file's mode to `mode`. Returns an error
// message naming the path on failure (the target is then untouched).
[[nodiscard]] std::optional<std::string> write_file_atomically(const std::string& path,
                                                               std::string_view content,
                                                               mode_t mode = 0600);

// Reads a whole file; nullopt if it cannot be opened or read.
[[nodiscard]] std::optional<std::string> read_whole_file(const std::string& path);

}  // namespace darcy::devctl
