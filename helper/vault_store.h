// VaultStore: the CredentialStore the helper serves from, backed by the
// sealed vault (DESIGN.md sections 4 and 6).
//
// get: normalises the server URL to a key, picks the entry that answers
// (registry_match.h) and unseals it. No vault, no entry, or an entry that is
// public or has no username: kNotFound. Anything else that goes wrong
// (permissions, corruption, tampering) is its own error, never kNotFound.
// store: seals the credentials to the node key as a local entry (creating the
// vault on first use) unless allow-store is off. erase: removes a local
// entry, or drops the cached secret of a controller entry so the next get
// fetches it again. list: every key get can answer, as Docker writes it.
//
// Thread safety: as Vault; one VaultStore per process is the normal use.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "helper/credential_store.h"
#include "helper/registry_match.h"
#include "vault/clock.h"
#include "vault/file_system.h"
#include "vault/vault.h"

namespace darcy::helper {

struct VaultStoreOptions {
  std::string vault_dir;
  bool allow_store = true;
  std::vector<KeyPin> pins;
};

class VaultStore : public CredentialStore {
 public:
  VaultStore(vault::FileSystem& fs, const vault::Clock& clock, VaultStoreOptions options)
      : fs_(fs), clock_(clock), options_(std::move(options)) {}

  Status add(const Credentials& creds) override;
  Status erase(std::string_view server_url) override;
  Result<Credentials> get(std::string_view server_url) override;
  Result<std::vector<std::pair<std::string, std::string>>> list() override;

 private:
  // Opens the vault; kNotFound if it was never created.
  Result<vault::Vault> open_existing();

  vault::FileSystem& fs_;
  const vault::Clock& clock_;
  VaultStoreOptions options_;
};

}  // namespace darcy::helper
