// CredentialStore: what the credential-helper protocol needs from storage,
// the four operations of docker-credential-helpers' Helper interface. The
// protocol handler (protocol.h) knows nothing else; VaultStore is the real
// implementation, tests use an in-memory one.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::helper {

struct Credentials {
  std::string server_url;
  std::string username;
  SecureString secret;
};

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;

  // Stores credentials for creds.server_url, replacing any stored before.
  virtual Status add(const Credentials& creds) = 0;
  // Removes what is stored for `server_url`; kNotFound if nothing is.
  virtual Status erase(std::string_view server_url) = 0;
  // The credentials for `server_url`; kNotFound means nothing maps to this
  // host (the protocol's not-found text). Every other error is a real failure.
  virtual Result<Credentials> get(std::string_view server_url) = 0;
  // Server URL -> username for every entry that `get` can answer.
  virtual Result<std::vector<std::pair<std::string, std::string>>> list() = 0;
};

}  // namespace darcy::helper
