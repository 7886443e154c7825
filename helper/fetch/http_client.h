// HttpClient: darcy-fetch's only way to reach the controller, a seam so tests
// can answer with anything (garbage, truncated JSON, any status) without a
// network. CurlHttpClient (curl_http_client.h) is the real one.
//
// Bodies are SecureString: a plain ioFog controller returns registry
// passwords in them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vault/result.h"
#include "vault/secure_memory.h"

namespace darcy::fetch {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // e.g. /api/v3/agent/registries; appended to the controller URL
  std::vector<std::pair<std::string, std::string>> headers;  // never the Authorization header
  std::string body;  // sent when not empty (JSON)
};

struct HttpResponse {
  long status = 0;
  std::string etag;  // the ETag header, as sent
  std::string date;  // the Date header, as sent
  SecureString body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends `request` with the agent token as the Authorization header. A
  // transport failure (DNS, connect, TLS, timeout, a body over the size limit)
  // is kUnavailable with a message saying which; any HTTP status is ok().
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace darcy::fetch
