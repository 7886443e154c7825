#include "helper/vault_store.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <set>

#include "helper/server_key.h"

namespace darcy::helper {

using vault::Entry;
using vault::Source;

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

Result<vault::Vault> VaultStore::open_existing() {
  auto v = vault::Vault::open(fs_, clock_, options_.vault_dir);
  if (!v && v.error().is_not_found()) {
    // node.key without node.pub (a writer died between the two): init derives it.
    auto key = fs_.stat(options_.vault_dir + "/" + std::string(vault::kNodeKeyFile));
    if (!key || !key->exists) return Error::NotFound("no vault at " + options_.vault_dir);
    v = vault::Vault::init(fs_, clock_, options_.vault_dir);
  }
  if (!v) return v;
  // Every action refuses an unsafe or broken node key, even those that
  // unseal nothing (list, erase, a not-found get): one small read, kept for
  // the unseal.
  DARCY_TRY(v->check_node_key());
  return v;
}

Status VaultStore::add_entry(const Credentials& creds) {
  if (!options_.allow_store) {
    return Error::Config(
        "storing credentials is disabled on this node (allow-store = false); credentials come "
        "from the controller");
  }
  const std::string url(trim(creds.server_url));
  auto key = server_key(url);
  if (!key) return std::move(key).error();
  trace_host_ = *key;
  auto v = vault::Vault::init(fs_, clock_, options_.vault_dir);
  if (!v) return std::move(v).error();
  Entry entry;
  entry.id = 0;
  entry.url = url;
  entry.key = *key;
  entry.username = creds.username;
  entry.source = Source::kLocal;
  entry.fetched_at = clock_.now();
  entry.sealed = vault::seal_credential(v->public_key(), 0, url, creds.username, view(creds.secret));
  return v->update([&](vault::Index& index) -> Status {
    if (Entry* existing = index.find_key(Source::kLocal, entry.key)) {
      *existing = entry;
    } else {
      index.entries.push_back(entry);
    }
    return Ok();
  });
}

Status VaultStore::erase_entry(std::string_view server_url) {
  auto key = server_key(trim(server_url));
  if (!key) return std::move(key).error();
  trace_host_ = *key;
  auto v = open_existing();
  if (!v) return std::move(v).error();
  bool found = false;
  DARCY_TRY(v->update([&](vault::Index& index) -> Status {
    auto& entries = index.entries;
    const auto local = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
      return e.source == Source::kLocal && e.key == *key;
    });
    if (local != entries.end()) {
      entries.erase(local);
      found = true;
      return Ok();
    }
    // A controller entry stays listed (the controller is the source of
    // truth); only its cached secret goes, so the next get fetches it again.
    for (Entry& e : entries) {
      if (e.source == Source::kController && e.key == *key && !e.sealed.empty()) {
        e.sealed.clear();
        e.fetched_at = 0;
        found = true;
      }
    }
    return Ok();
  }));
  if (!found) return Error::NotFound("nothing is stored for " + *key);
  return Ok();
}

bool VaultStore::is_fresh(const Entry& entry) const {
  if (entry.source == Source::kLocal) return true;
  return !entry.sealed.empty() && clock_.now() - entry.fetched_at < options_.ttl;
}

void VaultStore::warn(const std::string& message) {
  trace_outcome_ = "stale";
  if (options_.log != nullptr) options_.log->warn("get", trace_host_, message);
}

namespace {
double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void VaultStore::log(std::string action, const Status& status, double started_ms) const {
  if (options_.log == nullptr) return;
  LogEvent e;
  e.action = std::move(action);
  e.host = trace_host_;
  e.registry = trace_registry_;
  e.duration_ms = now_ms() - started_ms;
  if (status) {
    e.level = LogLevel::kInfo;
    e.outcome = trace_outcome_.empty() ? "ok" : trace_outcome_;
  } else if (status.error().is_not_found()) {
    e.level = LogLevel::kInfo;
    e.outcome = "not-found";
  } else {
    e.level = LogLevel::kError;
    e.outcome = "error";
    e.message = status.error().message();
  }
  options_.log->write(e);
}

Result<Credentials> VaultStore::answer(const vault::Vault& v, const Entry& entry,
                                       std::string_view server_url) {
  trace_registry_ = entry.id;
  if (entry.sealed.empty()) {
    return Error::Unavailable("the controller has no credentials for registry " +
                              std::to_string(entry.id) + " (" + entry.url + ")");
  }
  auto cred = v.unseal(entry);
  if (!cred) return std::move(cred).error();
  Credentials out;
  out.server_url = std::string(server_url);
  out.username = cred->username;
  out.secret = std::move(cred->secret);
  return out;
}

void VaultStore::begin_trace() {
  trace_host_.clear();
  trace_registry_ = -1;
  trace_outcome_.clear();
}

Status VaultStore::add(const Credentials& creds) {
  const double started = now_ms();
  begin_trace();
  Status status = add_entry(creds);
  log("store", status, started);
  return status;
}

Status VaultStore::erase(std::string_view server_url) {
  const double started = now_ms();
  begin_trace();
  Status status = erase_entry(server_url);
  log("erase", status, started);
  return status;
}

Result<Credentials> VaultStore::get(std::string_view server_url) {
  const double started = now_ms();
  begin_trace();
  auto result = get_entry(server_url);
  log("get", result ? Status() : Status(result.error()), started);
  return result;
}

Result<std::vector<std::pair<std::string, std::string>>> VaultStore::list() {
  const double started = now_ms();
  begin_trace();
  auto result = list_entries();
  log("list", result ? Status() : Status(result.error()), started);
  return result;
}

Result<Credentials> VaultStore::get_entry(std::string_view server_url) {
  const std::string_view url = trim(server_url);
  auto key = server_key(url);
  if (!key) return std::move(key).error();
  trace_host_ = *key;
  auto v = open_existing();
  if (!v && v.error().is_not_found() && options_.fetcher != nullptr) {
    // A node with a controller but no vault yet: create it, then fetch.
    v = vault::Vault::init(fs_, clock_, options_.vault_dir);
  }
  if (!v) return std::move(v).error();
  auto index = v->load();
  if (!index) return std::move(index).error();
  const Entry* entry = match_entry(*index, *key, options_.pins);
  if (entry != nullptr && !has_credentials(*entry)) {
    return Error::NotFound("registry " + std::to_string(entry->id) + " is public");
  }
  bool refetch = false;
  if (entry != nullptr && is_fresh(*entry)) {
    auto fresh = answer(*v, *entry, url);
    // A fresh controller entry that does not open is fetched again once
    // before giving up: the copy may have been a bad answer.
    if (fresh || fresh.error().code() != ErrorCode::kTampered || options_.fetcher == nullptr ||
        entry->source != Source::kController) {
      return fresh;
    }
    refetch = true;
  }
  if (options_.fetcher == nullptr) {
    if (entry == nullptr) return Error::NotFound("no registry entry for " + *key);
    if (entry->sealed.empty()) {
      return Error::Unavailable("the credentials of registry " + std::to_string(entry->id) + " (" +
                                entry->url + ") are not cached on this node and no controller "
                                "is configured to fetch them");
    }
    return answer(*v, *entry, url);
  }
  if (entry == nullptr && clock_.now() - index->synced_at < options_.ttl) {
    // The index is fresh and does not know this host: no network.
    return Error::NotFound("no registry entry for " + *key);
  }
  return get_stale(*v, *key, url, refetch);
}

namespace {

std::string age_text(std::int64_t seconds) {
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

}  // namespace

Result<Credentials> VaultStore::get_stale(vault::Vault& v, const std::string& key,
                                          std::string_view url, bool refetch) {
  // One fetch at a time per vault: who waits here finds the entry fresh after.
  auto lock = fs_.lock_exclusive(v.path("fetch.lock"));
  if (!lock) return std::move(lock).error();
  auto index = v.load();
  if (!index) return std::move(index).error();
  const std::int64_t now = clock_.now();
  const Entry* entry = match_entry(*index, key, options_.pins);
  if (entry != nullptr && !has_credentials(*entry)) {
    return Error::NotFound("registry " + std::to_string(entry->id) + " is public");
  }
  if (entry != nullptr && is_fresh(*entry) && !refetch) return answer(v, *entry, url);
  if (entry == nullptr && now - index->synced_at < options_.ttl) {
    return Error::NotFound("no registry entry for " + key);
  }

  const Status fetched = entry != nullptr ? options_.fetcher->fetch_registry(entry->id)
                                          : options_.fetcher->sync();
  if (fetched) {
    trace_outcome_ = "fetched";
    auto after = v.load();
    if (!after) return std::move(after).error();
    const Entry* now_entry = match_entry(*after, key, options_.pins);
    if (now_entry == nullptr || !has_credentials(*now_entry)) {
      return Error::NotFound("no registry entry for " + key);
    }
    auto fetched_answer = answer(v, *now_entry, url);
    if (fetched_answer || fetched_answer.error().code() != ErrorCode::kTampered ||
        entry == nullptr || entry->id != now_entry->id || entry->sealed.empty() ||
        now - entry->fetched_at >= options_.grace || !v.unseal(*entry)) {
      return fetched_answer;
    }
    // The controller's new copy does not open on this node (sealed to another
    // key, or altered on the way) but the previous one does: put it back, so
    // one bad answer cannot lock the node out, and serve it as within grace.
    const std::string bad = now_entry->sealed;
    DARCY_TRY(v.update([&](vault::Index& latest) -> Status {
      Entry* current = latest.find(Source::kController, entry->id);
      if (current != nullptr && current->sealed == bad) *current = *entry;
      return Ok();
    }));
    warn("serving credentials for " + key + " cached " + age_text(now - entry->fetched_at) +
         " ago; the controller's new copy was refused: " + fetched_answer.error().message());
    return answer(v, *entry, url);
  }

  const std::string reason = fetched.error().message();
  if (entry != nullptr && !entry->sealed.empty()) {
    const std::int64_t age = now - entry->fetched_at;
    if (age < options_.grace) {
      warn("serving credentials for " + key + " cached " + age_text(age) +
           " ago; controller unreachable: " + reason);
      return answer(v, *entry, url);
    }
    return Error::Unavailable("cannot refresh the credentials for " + key + " (registry " +
                              std::to_string(entry->id) + "): " + reason +
                              "; the cached copy is " + age_text(age) +
                              " old, past the grace period of " + age_text(options_.grace));
  }
  if (entry == nullptr && index->synced_at > 0 && now - index->synced_at < options_.grace) {
    warn("registry list last synced " + age_text(now - index->synced_at) +
         " ago; controller unreachable: " + reason);
    return Error::NotFound("no registry entry for " + key);
  }
  return Error::Unavailable("cannot get the credentials for " + key +
                            " from the controller, and none are cached: " + reason);
}

Result<std::vector<std::pair<std::string, std::string>>> VaultStore::list_entries() {
  std::vector<std::pair<std::string, std::string>> out;
  auto v = open_existing();
  if (!v) {
    if (v.error().is_not_found()) return out;
    return std::move(v).error();
  }
  auto index = v->load();
  if (!index) return std::move(index).error();
  for (const Entry* answer : answering_entries(*index, options_.pins)) {
    if (answer->key.empty() || !has_credentials(*answer)) continue;
    out.emplace_back(list_server_url(answer->key), answer->username);
  }
  return out;
}

}  // namespace darcy::helper
