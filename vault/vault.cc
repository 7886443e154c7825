#include "vault/vault.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

#include "vault/index_reader.h"

namespace darcy::vault {
namespace {

using nlohmann::json;

std::string join(const std::string& dir, std::string_view file) {
  return dir + "/" + std::string(file);
}

}  // namespace

std::string_view to_string(Source s) { return s == Source::kController ? "controller" : "local"; }

Entry* Index::find(Source source, std::int64_t id) {
  for (Entry& e : entries) {
    if (e.source == source && e.id == id) return &e;
  }
  return nullptr;
}

Entry* Index::find_key(Source source, std::string_view key) {
  for (Entry& e : entries) {
    if (e.source == source && e.key == key) return &e;
  }
  return nullptr;
}

std::string seal_credential(const PublicKey& recipient, std::int64_t id, std::string_view url,
                            std::string_view username, std::string_view secret) {
  SecureString payload = "{\"id\":";
  payload.append(std::to_string(id));
  payload.append(",\"url\":");
  append_json_string(payload, url);
  payload.append(",\"username\":");
  append_json_string(payload, username);
  payload.append(",\"password\":");
  append_json_string(payload, secret);
  payload.push_back('}');
  return seal_to(recipient, view(payload));
}

Result<Index> parse_index(std::string_view text, const std::string& path,
                          const PublicKey& node_public_key) {
  return read_index(text, path, node_public_key);
}

std::string serialize_index(const Index& index, const PublicKey& node_public_key) {
  json entries = json::array();
  for (const Entry& e : index.entries) {
    entries.push_back(json{{"id", e.id},
                           {"url", e.url},
                           {"key", e.key},
                           {"username", e.username},
                           {"email", e.email},
                           {"public", e.is_public},
                           {"source", to_string(e.source)},
                           {"fetchedAt", e.fetched_at},
                           {"sealed", e.sealed}});
  }
  const json doc = {{"format", kVaultFormat},
                    {"nodePublicKey", public_key_base64(node_public_key)},
                    {"index", {{"syncedAt", index.synced_at}, {"etag", index.etag}}},
                    {"entries", std::move(entries)}};
  return doc.dump() + "\n";
}

Result<Vault> Vault::open(FileSystem& fs, const Clock& clock, std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  DARCY_TRY(check_private_dir(fs, dir));
  auto pk = NodeKey::load_public(fs, dir);
  if (!pk) return std::move(pk).error();
  return Vault(fs, clock, std::move(dir), *pk);
}

namespace {

// Creates `dir` and any missing ancestors with mode 0700.
Status make_dirs(FileSystem& fs, const std::string& dir) {
  auto info = fs.stat(dir);
  if (!info) return std::move(info).error();
  if (info->exists) return Ok();
  const std::string parent = parent_dir(dir);
  if (parent != dir && parent != "." && parent != "/") DARCY_TRY(make_dirs(fs, parent));
  auto made = fs.make_dir(dir, 0700);
  if (!made) {
    // Another process may have created it meanwhile.
    auto again = fs.stat(dir);
    if (again && again->exists && again->is_dir) return Ok();
    return made;
  }
  return Ok();
}

}  // namespace

Result<Vault> Vault::init(FileSystem& fs, const Clock& clock, std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return Error::Config("the vault directory is not set");
  DARCY_TRY(make_dirs(fs, dir));
  DARCY_TRY(check_private_dir(fs, dir));
  // Under the writers' lock, so two first calls never create two different keys.
  auto lock = fs.lock_exclusive(join(dir, kLockFile));
  if (!lock) return std::move(lock).error();
  auto key_info = fs.stat(join(dir, kNodeKeyFile));
  if (!key_info) return std::move(key_info).error();
  if (!key_info->exists) {
    DARCY_TRY(NodeKey::generate().save(fs, dir));
  } else {
    auto key = NodeKey::load(fs, dir);
    if (!key) return std::move(key).error();
    DARCY_TRY(key->verify(join(dir, kNodeKeyFile)));
    auto pub = NodeKey::load_public(fs, dir);
    if (!pub || *pub != key->public_key()) DARCY_TRY(key->save(fs, dir));
  }
  return open(fs, clock, std::move(dir));
}

std::string Vault::path(std::string_view file) const { return join(dir_, file); }

Result<Index> Vault::load() const {
  const std::string file = path(kVaultFile);
  auto info = fs_->stat(file);
  if (!info) return std::move(info).error();
  if (!info->exists) return Index{};
  DARCY_TRY(check_private_file(file, *info));
  auto text = fs_->read_file(file, kMaxVaultBytes);
  if (!text) return std::move(text).error();
  return parse_index(*text, file, public_key_);
}

Status Vault::update(const std::function<Status(Index&)>& mutate) {
  auto lock = fs_->lock_exclusive(path(kLockFile));
  if (!lock) return std::move(lock).error();
  auto index = load();
  if (!index) return std::move(index).error();
  Index changed = *index;
  DARCY_TRY(mutate(changed));
  if (changed == *index) return Ok();
  // Holding the writers' lock, any temp file of vault.json is left over from a
  // writer that died mid-write: remove it (best effort) so they never pile up.
  if (auto names = fs_->list_dir(dir_)) {
    std::string prefix = ".";  // built in steps: GCC 12 -O2 warns wrongly on a + b + c here
    prefix.append(kVaultFile).append(".tmp.");
    for (const std::string& name : *names) {
      if (name.rfind(prefix, 0) == 0) (void)fs_->remove(path(name));
    }
  }
  return write_file_atomic(*fs_, path(kVaultFile), serialize_index(changed, public_key_), 0600);
}

Result<const NodeKey*> Vault::node_key() const {
  if (!node_key_) {
    auto key = NodeKey::load(*fs_, dir_);
    if (!key) return std::move(key).error();
    node_key_ = std::make_shared<const NodeKey>(std::move(key).value());
  }
  return node_key_.get();
}

Status Vault::check_node_key() const {
  auto key = node_key();
  if (!key) return std::move(key).error();
  // Cheap (no scalar multiplication): the key's public half must be node.pub,
  // which everything in vault.json is sealed to.
  if ((*key)->public_key() != public_key_) {
    return Error::Corruption(path(kNodeKeyFile) + " and " + path(kNodePubFile) +
                             " hold different public keys. Fix: if node.key is the right key, "
                             "run 'docker-credential-darcy init' to rewrite node.pub");
  }
  return Ok();
}

Result<Credential> Vault::unseal(const Entry& entry) const {
  auto key = node_key();
  if (!key) return std::move(key).error();
  auto plain = (*key)->unseal(entry.sealed);
  if (!plain) {
    DARCY_TRY((*key)->verify(path(kNodeKeyFile)));
    return std::move(plain).error().with_context("entry " + std::to_string(entry.id) + " (" +
                                                 entry.url + ") in " + path(kVaultFile));
  }
  const std::string_view text = view(*plain);
  // A NUL byte would end nlohmann's parse early and hide what follows it.
  const SecureJson doc = text.find('\0') == std::string_view::npos
                             ? SecureJson::parse(text.begin(), text.end(), nullptr, false)
                             : SecureJson(SecureJson::value_t::discarded);
  auto tampered = [&](const char* why) {
    return Error::Tampered("entry " + std::to_string(entry.id) + " (" + entry.url + ") in " +
                           path(kVaultFile) + " does not match its sealed secret (" + why +
                           "); refusing to answer with it. Fix: run 'docker-credential-darcy "
                           "sync', or store the credentials again");
  };
  if (!doc.is_object()) return tampered("the payload is not a JSON object");
  const auto id = doc.find("id");
  const auto url = doc.find("url");
  const auto username = doc.find("username");
  const auto password = doc.find("password");
  if (id == doc.end() || !id->is_number_integer() || url == doc.end() || !url->is_string() ||
      username == doc.end() || !username->is_string() || password == doc.end() ||
      !password->is_string()) {
    return tampered("the payload lacks id, url, username or password");
  }
  // Compared as unsigned when the payload's id is: 2^64 - 1 must not equal -1.
  const bool same_id = id->is_number_unsigned()
                           ? entry.id >= 0 && id->get<std::uint64_t>() ==
                                                  static_cast<std::uint64_t>(entry.id)
                           : id->get<std::int64_t>() == entry.id;
  if (!same_id) return tampered("id differs");
  if (view(url->get_ref<const SecureString&>()) != entry.url) return tampered("url differs");
  if (view(username->get_ref<const SecureString&>()) != entry.username) {
    return tampered("username differs");
  }
  Credential cred;
  cred.id = entry.id;
  cred.url = entry.url;
  cred.username = entry.username;
  cred.secret = password->get_ref<const SecureString&>();
  return cred;
}

}  // namespace darcy::vault
