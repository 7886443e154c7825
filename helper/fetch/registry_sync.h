// RegistrySync: brings the vault in line with the controller (DESIGN.md
// section 7). It reads only node.pub: rows with a plain password are sealed
// to the node at once; rows the controller sealed are stored as they came.
// The vault changes only when the controller's answer was valid.
//
// Thread safety: one RegistrySync per thread; concurrent processes are
// serialised by the vault's writer lock.
#pragma once

#include <cstdint>

#include "helper/fetch/controller_client.h"
#include "vault/vault.h"

namespace darcy::fetch {

struct SyncReport {
  bool not_modified = false;
  std::size_t registries = 0;  // controller entries after the sync
  std::size_t changed = 0;     // entries added, changed or removed
};

// The vault entry for `row`, fetched at `now`, its secret sealed to `node_key`.
vault::Entry entry_from_row(const RegistryRow& row, const vault::PublicKey& node_key,
                            std::int64_t now);

class RegistrySync {
 public:
  RegistrySync(vault::Vault& vault, ControllerClient& client) : vault_(vault), client_(client) {}

  // Fetches the whole list (If-None-Match with the stored ETag) and replaces
  // the controller entries with it; on 304, marks the index and every entry
  // as confirmed now. Local entries are never touched.
  Result<SyncReport> sync_all();

  // Fetches one registry by ID and updates its entry; if the controller
  // answers 404, removes the entry (and returns ok).
  Result<SyncReport> sync_one(std::int64_t id);

 private:
  vault::Vault& vault_;
  ControllerClient& client_;
};

}  // namespace darcy::fetch
