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
// Freshness (DESIGN.md section 7): an entry stored by hand, or fetched less
// than `ttl` ago, is answered from the vault with no network. Otherwise the
// Fetcher refreshes that registry by ID (or the whole list, when the host is
// unknown and the index is stale), under vault-dir/fetch.lock so that many
// concurrent cold gets cause one fetch. If fetching fails, a cached entry
// younger than `grace` is served with a warning; past grace, or with nothing
// cached, the answer is an error that says why, never kNotFound.
//
// Thread safety: as Vault; one VaultStore per process is the normal use.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "helper/credential_store.h"
#include "helper/event_log.h"
#include "helper/fetcher.h"
#include "helper/registry_match.h"
#include "vault/clock.h"
#include "vault/file_system.h"
#include "vault/vault.h"

namespace darcy::helper {

struct VaultStoreOptions {
  std::string vault_dir;
  bool allow_store = true;
  std::vector<KeyPin> pins;
  std::int64_t ttl = 300;              // seconds an entry (or the index) counts as fresh
  std::int64_t grace = 7 * 24 * 3600;  // seconds a stale entry may serve when fetching fails
  Fetcher* fetcher = nullptr;          // null: no controller configured (a local-only store)
  EventLog* log = nullptr;             // warnings and one event per operation; may be null
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
  // The credentials of `entry`, answered for `server_url`.
  Result<Credentials> answer(const vault::Vault& v, const vault::Entry& entry,
                             std::string_view server_url);
  // get() once the vault has nothing fresh for `key`: fetch, or fall back.
  // `refetch`: fetch even if the entry is fresh (its copy did not open).
  Result<Credentials> get_stale(vault::Vault& v, const std::string& key,
                                std::string_view server_url, bool refetch);
  // The operations proper; the public ones wrap them with a log event.
  Status add_entry(const Credentials& creds);
  Status erase_entry(std::string_view server_url);
  Result<Credentials> get_entry(std::string_view server_url);
  Result<std::vector<std::pair<std::string, std::string>>> list_entries();
  void begin_trace();
  bool is_fresh(const vault::Entry& entry) const;
  void warn(const std::string& message);
  void log(std::string action, const Status& status, double started_ms) const;

  vault::FileSystem& fs_;
  const vault::Clock& clock_;
  VaultStoreOptions options_;
  // What the current operation touched, for its log event.
  std::string trace_host_;
  std::int64_t trace_registry_ = -1;
  std::string trace_outcome_;
};

}  // namespace darcy::helper
