// Which vault entry answers for a server key (DESIGN.md section 4).
//
// An entry stored by hand (source local) wins over controller entries for the
// same key. Among controller entries, entry 2 (the node's local image cache,
// `from_cache`) never matches; a configured pin (`pin = host=ID`) wins, else
// the lowest ID. The chosen entry may be public or have no username: the
// caller then answers not-found (anonymous pull).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "helper/config.h"
#include "vault/vault.h"

namespace darcy::helper {

inline constexpr std::int64_t kDockerHubRegistryId = 1;
inline constexpr std::int64_t kLocalCacheRegistryId = 2;

// A pin with its host already normalised to a server key.
struct KeyPin {
  std::string key;
  std::int64_t id = 0;
};

// The configured pins (`pin = host=ID`) with their hosts normalised;
// kInvalidInput naming the pin if a host does not normalise.
Result<std::vector<KeyPin>> key_pins(const std::vector<RegistryPin>& pins);

// The entry that answers for `key`, or nullptr if none does.
const vault::Entry* match_entry(const vault::Index& index, std::string_view key,
                                const std::vector<KeyPin>& pins);

// For every distinct key of the index (in order of first appearance), the
// entry match_entry would choose; one pass, for list and the like.
std::vector<const vault::Entry*> answering_entries(const vault::Index& index,
                                                   const std::vector<KeyPin>& pins);

// The server keys the vault answers with credentials (what configure-docker
// routes to darcy), sorted; entries without a key are left out.
std::set<std::string> served_keys(const vault::Index& index, const std::vector<KeyPin>& pins);

// True if `entry` can be answered with credentials (not public, has a username).
bool has_credentials(const vault::Entry& entry);

// Number of controller entries (other than the local cache) whose key is `key`.
std::size_t count_controller_entries(const vault::Index& index, std::string_view key);

}  // namespace darcy::helper
