// The agent token file (`token-file`): the one secret darcy-fetch sends to the
// controller. Both darcy-fetch and `doctor` read it through read_token, so the
// rules are in one place.
#pragma once

#include <cstddef>
#include <string>

#include "vault/file_system.h"
#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::helper {

inline constexpr std::size_t kMaxTokenBytes = 64 * 1024;

// Reads the agent token from `path` into guarded memory: the file must be a
// private regular file (as node.key: ours, no group/world access, no
// symlink), the token is trimmed of surrounding whitespace, and must be
// neither empty nor hold a control character. kConfig (missing, empty, bad
// content) or kPermission (unsafe file) with the path and the fix otherwise.
Result<SecureString> read_token(vault::FileSystem& fs, const std::string& path);

}  // namespace darcy::helper
