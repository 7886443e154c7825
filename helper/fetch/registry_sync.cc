#include "helper/fetch/registry_sync.h"

#include <algorithm>

#include "helper/server_key.h"

namespace darcy::fetch {

using vault::Entry;
using vault::Index;
using vault::Source;

Entry entry_from_row(const RegistryRow& row, const vault::PublicKey& node_key, std::int64_t now) {
  Entry e;
  e.id = row.id;
  e.url = row.url;
  // A url that is not a registry host (e.g. `from_cache`, or garbage) gets a
  // key that no server URL normalises to, so it never answers.
  auto key = helper::server_key(row.url);
  e.key = key ? *key : "";
  e.username = row.username;
  e.email = row.email;
  e.is_public = row.is_public;
  e.source = Source::kController;
  e.fetched_at = now;
  if (!row.sealed.empty()) {
    e.sealed = row.sealed;
  } else if (row.has_password) {
    e.sealed = vault::seal_credential(node_key, row.id, row.url, row.username, view(row.password));
  }
  return e;
}

namespace {

// Entries equal but for the sealed blob (sealing is randomised) and fetch time.
bool same_registry(const Entry& a, const Entry& b) {
  return a.id == b.id && a.url == b.url && a.key == b.key && a.username == b.username &&
         a.email == b.email && a.is_public == b.is_public && a.sealed.empty() == b.sealed.empty();
}

}  // namespace

Result<SyncReport> RegistrySync::sync_all() {
  auto before = vault_.load();
  if (!before) return std::move(before).error();
  auto list = client_.list_registries(before->etag);
  if (!list) return std::move(list).error();
  const std::int64_t now = vault_.now();
  SyncReport report;
  report.not_modified = list->not_modified;
  DARCY_TRY(vault_.update([&](Index& index) -> Status {
    index.synced_at = now;
    if (list->not_modified) {
      for (Entry& e : index.entries) {
        if (e.source == Source::kController && !e.sealed.empty()) e.fetched_at = now;
      }
      report.registries = static_cast<std::size_t>(
          std::count_if(index.entries.begin(), index.entries.end(),
                        [](const Entry& e) { return e.source == Source::kController; }));
      return Ok();
    }
    index.etag = list->etag;
    std::vector<Entry> next;
    for (const Entry& e : index.entries) {
      if (e.source == Source::kLocal) next.push_back(e);
    }
    for (const RegistryRow& row : list->rows) {
      Entry fresh = entry_from_row(row, vault_.public_key(), now);
      const Entry* old = index.find(Source::kController, row.id);
      if (old == nullptr || !same_registry(*old, fresh)) ++report.changed;
      next.push_back(std::move(fresh));
    }
    for (const Entry& e : index.entries) {
      if (e.source == Source::kController && std::none_of(list->rows.begin(), list->rows.end(),
                                                          [&](const RegistryRow& r) {
                                                            return r.id == e.id;
                                                          })) {
        ++report.changed;
      }
    }
    report.registries = list->rows.size();
    index.entries = std::move(next);
    return Ok();
  }));
  return report;
}

Result<SyncReport> RegistrySync::sync_one(std::int64_t id) {
  auto row = client_.get_registry(id);
  if (!row && !row.error().is_not_found()) return std::move(row).error();
  const std::int64_t now = vault_.now();
  SyncReport report;
  DARCY_TRY(vault_.update([&](Index& index) -> Status {
    auto& entries = index.entries;
    const auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
      return e.source == Source::kController && e.id == id;
    });
    if (!row) {
      if (it != entries.end()) {
        entries.erase(it);
        report.changed = 1;
      }
      return Ok();
    }
    Entry fresh = entry_from_row(*row, vault_.public_key(), now);
    if (it == entries.end()) {
      entries.push_back(std::move(fresh));
      report.changed = 1;
    } else {
      if (!same_registry(*it, fresh)) report.changed = 1;
      *it = std::move(fresh);
    }
    report.registries = 1;
    return Ok();
  }));
  return report;
}

}  // namespace darcy::fetch
