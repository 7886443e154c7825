// Vault: the node's sealed credential store, a directory holding node.key,
// node.pub, vault.json and vault.lock (format: docs/vault-format.md).
//
// vault.json is an index of entries; each entry's secret is sealed to the node
// key together with the entry's id, url and username, so an index row that was
// edited to point at another secret is detected when it is unsealed.
//
// Readers (load) take no lock: files are only ever replaced by an atomic
// rename, so a reader sees the old or the new file, never a torn one. Writers
// (update) hold an exclusive flock on vault.lock for the whole
// read-modify-write, so concurrent writers never lose each other's changes.
//
// The vault knows nothing of Docker or the controller: callers compute an
// entry's key and decide which entry answers.
//
// Thread safety: a Vault may be used from several threads; each call is
// independent. The FileSystem and Clock it is given must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/file_system.h"
#include "vault/node_key.h"
#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::vault {

inline constexpr std::string_view kVaultFile = "vault.json";
inline constexpr std::string_view kLockFile = "vault.lock";
inline constexpr std::string_view kVaultFormat = "darcy-vault/1";
// The largest vault.json we read (about 100,000 entries with large keys).
inline constexpr std::size_t kMaxVaultBytes = 256u * 1024 * 1024;

enum class Source { kController, kLocal };

std::string_view to_string(Source s);

// One row of the index. Holds no secret: `sealed` is ciphertext.
struct Entry {
  std::int64_t id = 0;          // the controller's registry ID; 0 for entries stored by hand
  std::string url;              // the registry URL as the controller or client gave it
  std::string key;              // the normalised server key the entry answers for
  std::string username;
  std::string email;
  bool is_public = false;
  Source source = Source::kLocal;
  std::int64_t fetched_at = 0;  // Unix seconds when the secret was last written
  std::string sealed;           // base64 crypto_box_seal of the SealedPayload JSON

  bool operator==(const Entry&) const = default;
};

struct Index {
  std::int64_t synced_at = 0;   // Unix seconds of the last successful list sync; 0 = never
  std::string etag;             // the controller's ETag for that list
  std::vector<Entry> entries;

  // Finds the first entry with the given source and id, or key.
  Entry* find(Source source, std::int64_t id);
  Entry* find_key(Source source, std::string_view key);

  bool operator==(const Index&) const = default;
};

// What an entry's `sealed` field opens to.
struct Credential {
  std::int64_t id = 0;
  std::string url;
  std::string username;
  SecureString secret;
};

// Builds the sealed payload {"id","url","username","password"} for an entry
// and seals it to `recipient`.
std::string seal_credential(const PublicKey& recipient, std::int64_t id, std::string_view url,
                            std::string_view username, std::string_view secret);

// Parses and serialises vault.json. parse_index names `path` in its errors.
Result<Index> parse_index(std::string_view text, const std::string& path,
                          const PublicKey& node_public_key);
std::string serialize_index(const Index& index, const PublicKey& node_public_key);

class Vault {
 public:
  // Opens an existing vault directory; checks its permissions (kPermission
  // with the path and the fix) and reads node.pub. kNotFound if the
  // directory or node.pub does not exist.
  static Result<Vault> open(FileSystem& fs, const Clock& clock, std::string dir);

  // Creates the directory (0700) and node key if missing, then opens it.
  // Idempotent: an existing key is kept.
  static Result<Vault> init(FileSystem& fs, const Clock& clock, std::string dir);

  const std::string& dir() const { return dir_; }
  const PublicKey& public_key() const { return public_key_; }
  std::string path(std::string_view file) const;
  std::int64_t now() const { return clock_->now(); }

  // Reads vault.json; a missing file is an empty index. A file that does not
  // parse is kCorruption naming the file, and is left untouched.
  Result<Index> load() const;

  // Read-modify-write under the exclusive lock: loads the index, calls
  // `mutate`, and if it returns ok and changed the index, writes it back
  // atomically. If `mutate` fails, nothing is written and its error returned.
  Status update(const std::function<Status(Index&)>& mutate);

  // Loads node.key (once per Vault) and opens `entry.sealed`; checks that the
  // payload's id, url and username equal the entry's (kTampered otherwise).
  // When a box does not open, the key itself is checked, so a broken node.key
  // is reported as such rather than as a tampered entry.
  Result<Credential> unseal(const Entry& entry) const;

  // Loads and checks node.key (permissions, format) without unsealing
  // anything; the helper calls it before every action so that an unsafe key
  // is refused even by actions that need no secret. The key is kept for unseal.
  Status check_node_key() const;

 private:
  Vault(FileSystem& fs, const Clock& clock, std::string dir, PublicKey pk)
      : fs_(&fs), clock_(&clock), dir_(std::move(dir)), public_key_(pk) {}

  Result<const NodeKey*> node_key() const;

  FileSystem* fs_;
  const Clock* clock_;
  std::string dir_;
  PublicKey public_key_;
  mutable std::shared_ptr<const NodeKey> node_key_;  // loaded on first use
};

}  // namespace darcy::vault
