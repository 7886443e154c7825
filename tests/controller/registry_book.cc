#include "registry_book.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "atomic_file.h"

namespace darcy::devctl {

namespace {

using nlohmann::json;
constexpr const char* kStateFormat = "darcy-dev-controller-state/1";

Registry seeded(std::int64_t id, const char* url) {
  Registry r;
  r.id = id;
  r.url = url;
  r.is_public = true;
  return r;
}

bool is_protected(std::int64_t id) { return id == 1 || id == 2; }

// Applies the fields of a create/PATCH body to `r`. Unknown keys and wrong types are
// ValidationErrors, as with the ioFog controller's JSON schemas.
std::optional<ApiError> apply_fields(const json& body, Registry& r) {
  if (!body.is_object()) return ApiError::validation("request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    const bool is_string_field = key == "url" || key == "username" || key == "password" ||
                                 key == "email" || key == "certificate";
    const bool is_bool_field = key == "isPublic" || key == "requiresCert";
    if (!is_string_field && !is_bool_field) {
      return ApiError::validation("unknown property '" + key + "'");
    }
    if (is_string_field && !value.is_string()) {
      return ApiError::validation("property '" + key + "' must be a string");
    }
    if (is_bool_field && !value.is_boolean()) {
      return ApiError::validation("property '" + key + "' must be a boolean");
    }
    if (key == "url") r.url = value.get<std::string>();
    if (key == "username") r.username = value.get<std::string>();
    if (key == "password") r.password = value.get<std::string>();
    if (key == "email") r.email = value.get<std::string>();
    if (key == "certificate") r.certificate = value.get<std::string>();
    if (key == "isPublic") r.is_public = value.get<bool>();
    if (key == "requiresCert") r.requires_cert = value.get<bool>();
  }
  if (r.url.empty()) return ApiError::validation("property 'url' is required");
  if (r.url.find_first_of(" \t\r\n") != std::string::npos) {
    return ApiError::validation("property 'url' must not contain whitespace");
  }
  if (!r.is_public && (r.username.empty() || r.password.empty())) {
    return ApiError::validation("a private registry needs 'username' and 'password'");
  }
  if (r.requires_cert && r.certificate.empty()) {
    return ApiError::validation("'requiresCert' needs 'certificate'");
  }
  return std::nullopt;
}

json registry_to_state(const Registry& r) {
  return {{"id", r.id},
          {"url", r.url},
          {"isPublic", r.is_public},
          {"isSecure", r.is_secure},
          {"certificate", r.certificate},
          {"requiresCert", r.requires_cert},
          {"username", r.username},
          {"password", r.password},
          {"userEmail", r.email}};
}

Registry registry_from_state(const json& j) {
  Registry r;
  r.id = j.at("id").get<std::int64_t>();
  r.url = j.at("url").get<std::string>();
  r.is_public = j.at("isPublic").get<bool>();
  r.is_secure = j.at("isSecure").get<bool>();
  r.certificate = j.at("certificate").get<std::string>();
  r.requires_cert = j.at("requiresCert").get<bool>();
  r.username = j.at("username").get<std::string>();
  r.password = j.at("password").get<std::string>();
  r.email = j.at("userEmail").get<std::string>();
  return r;
}

std::string key_bytes(const NodePublicKey& k) {
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}

}  // namespace

bool Registry::carries_credentials() const {
  return !is_public && !username.empty() && id >= RegistryBook::kFirstUserId;
}

RegistryBook::RegistryBook(std::string state_path) : state_path_(std::move(state_path)) {
  registries_[1] = seeded(1, "registry.hub.docker.com");
  registries_[2] = seeded(2, "from_cache");
  etag_key_.resize(crypto_generichash_KEYBYTES);
  randombytes_buf(etag_key_.data(), etag_key_.size());
}

std::optional<std::string> RegistryBook::load() {
  if (state_path_.empty()) return std::nullopt;
  struct stat st {};
  if (::stat(state_path_.c_str(), &st) != 0 && errno == ENOENT) {
    return std::nullopt;  // first start: the file is created on the first change
  }
  auto text = read_whole_file(state_path_);
  if (!text) return "cannot read state file " + state_path_;
  try {
    const json j = json::parse(*text);
    if (j.at("format").get<std::string>() != kStateFormat) {
      return "state file " + state_path_ + " is not in format " + kStateFormat;
    }
    auto etag_key = base64_decode(j.at("etagKey").get<std::string>());
    if (!etag_key || etag_key->size() != crypto_generichash_KEYBYTES) {
      return "state file " + state_path_ + " has a bad etagKey";
    }
    std::map<std::int64_t, Registry> registries;
    registries[1] = seeded(1, "registry.hub.docker.com");
    registries[2] = seeded(2, "from_cache");
    for (const auto& row : j.at("registries")) {
      Registry r = registry_from_state(row);
      if (r.id < kFirstUserId) return "state file " + state_path_ + " holds a seeded id";
      registries[r.id] = r;
    }
    std::vector<Node> nodes;
    for (const auto& row : j.at("nodes")) {
      Node n;
      n.uuid = row.at("uuid").get<std::string>();
      n.name = row.at("name").get<std::string>();
      n.token = row.at("token").get<std::string>();
      const auto key = row.at("nodePublicKey").get<std::string>();
      if (!key.empty()) {
        n.node_key = parse_node_public_key(key);
        if (!n.node_key) return "state file " + state_path_ + " has a bad node key";
      }
      nodes.push_back(std::move(n));
    }
    const auto next_id = j.at("nextId").get<std::int64_t>();
    std::lock_guard lock(mu_);
    etag_key_ = *etag_key;
    registries_ = std::move(registries);
    nodes_ = std::move(nodes);
    next_id_ = std::max(next_id, registries_.rbegin()->first + 1);
    return std::nullopt;
  } catch (const json::exception& e) {
    return "cannot parse state file " + state_path_ + ": " + e.what();
  }
}

std::optional<ApiError> RegistryBook::save_locked() const {
  if (state_path_.empty()) return std::nullopt;
  json registries = json::array();
  for (const auto& [id, r] : registries_) {
    if (id >= kFirstUserId) registries.push_back(registry_to_state(r));
  }
  json nodes = json::array();
  for (const auto& n : nodes_) {
    nodes.push_back({{"uuid", n.uuid},
                     {"name", n.name},
                     {"token", n.token},
                     {"nodePublicKey", n.node_key ? base64_encode(key_bytes(*n.node_key)) : ""}});
  }
  const json state = {{"format", kStateFormat},
                      {"etagKey", base64_encode(etag_key_)},
                      {"nextId", next_id_},
                      {"registries", registries},
                      {"nodes", nodes}};
  if (auto error = write_file_atomically(state_path_, state.dump(2) + "\n")) {
    return ApiError::internal("cannot save state: " + *error);
  }
  return std::nullopt;
}

std::vector<Registry> RegistryBook::registries() const {
  std::lock_guard lock(mu_);
  std::vector<Registry> out;
  out.reserve(registries_.size());
  for (const auto& entry : registries_) out.push_back(entry.second);
  return out;
}

std::optional<Registry> RegistryBook::find(std::int64_t id) const {
  std::lock_guard lock(mu_);
  const auto it = registries_.find(id);
  if (it == registries_.end()) return std::nullopt;
  return it->second;
}

Outcome<std::int64_t> RegistryBook::create(const json& body) {
  Registry r;
  if (auto error = apply_fields(body, r)) return *error;
  std::lock_guard lock(mu_);
  r.id = next_id_++;
  registries_[r.id] = r;
  if (auto error = save_locked()) return *error;
  return r.id;
}

std::optional<ApiError> RegistryBook::update(std::int64_t id, const json& body) {
  std::lock_guard lock(mu_);
  const auto it = registries_.find(id);
  if (it == registries_.end())
    return ApiError::not_found("Invalid Registry Id " + std::to_string(id));
  if (is_protected(id)) {
    return ApiError::validation("Registry " + std::to_string(id) +
                                " is built in and cannot be changed");
  }
  Registry changed = it->second;
  if (auto error = apply_fields(body, changed)) return error;
  it->second = changed;
  return save_locked();
}

std::optional<ApiError> RegistryBook::remove(std::int64_t id) {
  std::lock_guard lock(mu_);
  const auto it = registries_.find(id);
  if (it == registries_.end())
    return ApiError::not_found("Invalid Registry Id " + std::to_string(id));
  if (is_protected(id)) {
    return ApiError::validation("Registry " + std::to_string(id) +
                                " is built in and cannot be deleted");
  }
  registries_.erase(it);
  return save_locked();
}

Outcome<std::string> RegistryBook::add_node(const json& body) {
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty()) {
    return ApiError::validation("property 'name' (a non-empty string) is required");
  }
  Node n;
  n.uuid = random_uuid();
  n.name = body["name"].get<std::string>();
  std::lock_guard lock(mu_);
  nodes_.push_back(n);
  if (auto error = save_locked()) return *error;
  return n.uuid;
}

Node* RegistryBook::node_by_uuid_locked(const std::string& uuid) {
  for (auto& n : nodes_) {
    if (n.uuid == uuid) return &n;
  }
  return nullptr;
}

Outcome<ProvisioningKey> RegistryBook::new_provisioning_key(const std::string& uuid,
                                                            Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (node_by_uuid_locked(uuid) == nullptr)
    return ApiError::not_found("Invalid ioFog UUID " + uuid);
  std::erase_if(provisioning_keys_, [&](const auto& entry) {
    return entry.second.first == uuid || entry.second.second <= now;
  });
  ProvisioningKey key;
  key.key = random_hex(8);
  const auto expiry = now + kProvisioningKeyLifetime;
  key.expiration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(expiry.time_since_epoch()).count();
  provisioning_keys_[key.key] = {uuid, expiry};
  return key;
}

Outcome<ProvisionedAgent> RegistryBook::provision(const json& body, Clock::time_point now) {
  if (!body.is_object() || !body.contains("type") || !body["type"].is_number_integer() ||
      (body["type"].get<int>() != 1 && body["type"].get<int>() != 2)) {
    return ApiError::validation("property 'type' must be 1 (x86) or 2 (arm)");
  }
  if (!body.contains("key") || !body["key"].is_string()) {
    return ApiError::validation("property 'key' (a string) is required");
  }
  const auto key = body["key"].get<std::string>();
  std::lock_guard lock(mu_);
  const auto it = provisioning_keys_.find(key);
  if (it == provisioning_keys_.end() || it->second.second <= now) {
    return ApiError::not_found("Invalid Provisioning Key");
  }
  Node* node = node_by_uuid_locked(it->second.first);
  provisioning_keys_.erase(it);
  if (node == nullptr) return ApiError::not_found("Invalid Provisioning Key");
  node->token = random_hex(32);
  node->node_key.reset();
  if (auto error = save_locked()) return *error;
  return ProvisionedAgent{node->uuid, node->token};
}

std::optional<ApiError> RegistryBook::adopt_agent_token(const std::string& token) {
  if (token.empty()) return ApiError::validation("empty agent token");
  std::lock_guard lock(mu_);
  for (const auto& n : nodes_) {
    if (secret_equal(n.token, token)) return std::nullopt;
  }
  Node n;
  n.uuid = random_uuid();
  n.name = "pre-provisioned";
  n.token = token;
  nodes_.push_back(std::move(n));
  return save_locked();
}

std::optional<Node> RegistryBook::node_for_token(const std::string& token) const {
  if (token.empty()) return std::nullopt;
  std::lock_guard lock(mu_);
  for (const auto& n : nodes_) {
    if (!n.token.empty() && secret_equal(n.token, token)) return n;
  }
  return std::nullopt;
}

std::optional<ApiError> RegistryBook::set_node_key(const std::string& uuid,
                                                   const NodePublicKey& key) {
  std::lock_guard lock(mu_);
  Node* node = node_by_uuid_locked(uuid);
  if (node == nullptr) return ApiError::not_found("Invalid ioFog UUID " + uuid);
  node->node_key = key;
  return save_locked();
}

std::string RegistryBook::list_etag(const std::optional<NodePublicKey>& node_key) const {
  std::lock_guard lock(mu_);
  json content = json::array();
  for (const auto& entry : registries_) content.push_back(registry_to_state(entry.second));
  std::string material = content.dump();
  material += '\n';
  if (node_key) material += key_bytes(*node_key);
  return "\"" + keyed_hash_hex(etag_key_, material) + "\"";
}

}  // namespace darcy::devctl
