// ControllerClient: the ioFog v3 agent API plus the Darcy extension, as
// docs/controller-api.md describes it. It validates everything the controller
// sends: a row that lacks a field, has one of the wrong type, or a list that
// is not a list is an error naming what was wrong, never a silent default.
//
// Thread safety: one ControllerClient per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "helper/fetch/http_client.h"
#include "vault/node_key.h"
#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::fetch {

// The largest response body accepted from the controller.
inline constexpr std::size_t kMaxResponseBytes = 8u * 1024 * 1024;

struct RegistryRow {
  std::int64_t id = 0;
  std::string url;
  bool is_public = false;
  std::string username;
  std::string email;      // the controller's userEmail
  bool has_password = false;
  SecureString password;  // a plain ioFog controller's password (has_password)
  std::string sealed;     // a Darcy controller's sealed payload (base64), else empty
};

// What GET /api/v3/status answered.
struct ControllerStatus {
  long http_status = 0;
  std::string date;     // the Date header as sent; empty if there was none
  std::string version;  // versions.controller of the body, printable, at most 64 bytes; or empty
};

struct RegistryList {
  bool not_modified = false;  // 304: the ETag still matches
  std::string etag;
  std::vector<RegistryRow> rows;
};

// Parses one registry row (a JSON object). Exposed for tests and fuzzing.
Result<RegistryRow> parse_registry_row(const SecureJson& row);
// Parses a list body {"registries":[row,...]}.
Result<std::vector<RegistryRow>> parse_registry_list(std::string_view body);

class ControllerClient {
 public:
  explicit ControllerClient(HttpClient& http) : http_(http) {}

  // GET /api/v3/agent/registries, with If-None-Match when `etag` is not empty.
  Result<RegistryList> list_registries(std::string_view etag);
  // GET /api/v3/agent/registries/{id}; kNotFound when the controller answers 404.
  Result<RegistryRow> get_registry(std::int64_t id);
  // PUT /api/v3/agent/node-key {"publicKey": ...}.
  Status put_node_key(const vault::PublicKey& key);
  // GET /api/v3/status (ioFog's public status; it needs no token, so send it
  // through an HttpClient that has none). Any HTTP answer is ok(): its status
  // is in the result and a body that is not the expected JSON only leaves
  // `version` empty. A transport failure is the HttpClient's error.
  Result<ControllerStatus> get_status();

 private:
  HttpClient& http_;
};

}  // namespace darcy::fetch
