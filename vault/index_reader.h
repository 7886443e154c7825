// IndexReader: reads vault.json into an Index without building a JSON tree.
//
// Every `get` and `list` reads the whole index, so its cost is the helper's
// cost at scale: a generic DOM parse spends about 50,000 instructions per
// entry; this reader scans strings in runs and fills the entries directly.
// It accepts exactly RFC 8259 JSON (strict UTF-8, no trailing garbage) of the
// shape docs/vault-format.md describes; unknown keys are skipped, a later
// duplicate key wins, as with nlohmann::json.
//
// Thread safety: a value type; one reader per parse.
#pragma once

#include <string>
#include <string_view>

#include "vault/node_key.h"
#include "vault/result.h"

namespace darcy::vault {

struct Index;

// Parses `text` (the contents of `path`). kCorruption, naming `path` and what
// is wrong, for anything that is not a valid index for `node_public_key`.
Result<Index> read_index(std::string_view text, const std::string& path,
                         const PublicKey& node_public_key);

}  // namespace darcy::vault
