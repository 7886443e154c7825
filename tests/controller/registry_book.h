// RegistryBook: everything the dev controller remembers — the registry list (ids 1 and 2
// seeded and protected, private entries from 3 up), the edge nodes with their agent tokens
// and registered node keys, and short-lived provisioning keys. Optionally persisted to a
// JSON state file, rewritten atomically after every change.
//
// FOR DEVELOPMENT AND TESTS ONLY: passwords and tokens are held, and persisted, in plain text.
//
// Thread-safe: every method takes the book's mutex; values returned are copies.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "box_seal.h"

namespace darcy::devctl {

struct Registry {
  std::int64_t id = 0;
  std::string url;
  bool is_public = false;
  bool is_secure = true;
  std::string certificate;
  bool requires_cert = false;
  std::string username;
  std::string password;
  std::string email;

  // True when agents get credentials for it: private, with a username, not id 1 or 2.
  [[nodiscard]] bool carries_credentials() const;
};

struct Node {
  std::string uuid;
  std::string name;
  std::string token;  // empty until provisioned
  std::optional<NodePublicKey> node_key;
};

struct ProvisioningKey {
  std::string key;
  std::int64_t expiration_ms = 0;  // Unix milliseconds
};

struct ProvisionedAgent {
  std::string uuid;
  std::string token;
};

class RegistryBook {
 public:
  using Clock = std::chrono::system_clock;
  static constexpr std::int64_t kFirstUserId = 3;
  static constexpr auto kProvisioningKeyLifetime = std::chrono::minutes(20);

  // `state_path` empty: memory only.
  explicit RegistryBook(std::string state_path = {});

  // Reads the state file when it exists. Error message (naming the file) on a file that
  // cannot be read or parsed; the book is then unchanged.
  [[nodiscard]] std::optional<std::string> load();

  [[nodiscard]] std::vector<Registry> registries() const;
  [[nodiscard]] std::optional<Registry> find(std::int64_t id) const;

  // POST /api/v3/registries body → new id. ValidationError on a bad body.
  [[nodiscard]] Outcome<std::int64_t> create(const nlohmann::json& body);
  // PATCH body (any subset of the create fields). NotFoundError, or ValidationError for
  // ids 1 and 2 and bad bodies.
  [[nodiscard]] std::optional<ApiError> update(std::int64_t id, const nlohmann::json& body);
  [[nodiscard]] std::optional<ApiError> remove(std::int64_t id);

  // POST /api/v3/iofog {"name":…} → the new node's uuid.
  [[nodiscard]] Outcome<std::string> add_node(const nlohmann::json& body);
  // A fresh single-use key for node `uuid` (replacing its previous one).
  [[nodiscard]] Outcome<ProvisioningKey> new_provisioning_key(const std::string& uuid,
                                                              Clock::time_point now);
  // POST /api/v3/agent/provision {"type":1|2,"key":…}: consumes the key, issues a new agent
  // token (the old one stops working) and forgets the node key of a previous install.
  [[nodiscard]] Outcome<ProvisionedAgent> provision(const nlohmann::json& body,
                                                    Clock::time_point now);
  // Makes `token` a valid agent token (of a node named "pre-provisioned" if no node has it).
  [[nodiscard]] std::optional<ApiError> adopt_agent_token(const std::string& token);

  [[nodiscard]] std::optional<Node> node_for_token(const std::string& token) const;
  [[nodiscard]] std::optional<ApiError> set_node_key(const std::string& uuid,
                                                     const NodePublicKey& key);

  // Strong ETag (with quotes) of the agent registry list as a node with `node_key` sees it:
  // changes whenever any row, password or the node key changes; stable across restarts
  // that keep the state file.
  [[nodiscard]] std::string list_etag(const std::optional<NodePublicKey>& node_key) const;

 private:
  [[nodiscard]] std::optional<ApiError> save_locked() const;
  [[nodiscard]] Node* node_by_uuid_locked(const std::string& uuid);

  mutable std::mutex mu_;
  std::string state_path_;
  std::string etag_key_;  // 32 raw bytes
  std::int64_t next_id_ = kFirstUserId;
  std::map<std::int64_t, Registry> registries_;
  std::vector<Node> nodes_;
  std::map<std::string, std::pair<std::string, Clock::time_point>> provisioning_keys_;
};

}  // namespace darcy::devctl
