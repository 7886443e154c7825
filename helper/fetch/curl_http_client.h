// CurlHttpClient: HttpClient over libcurl, as DESIGN.md section 5 asks:
// HTTPS with peer and host verification; an optional CA file and pinned
// public key; plain http only when allowed; connect and total timeouts; no
// redirects; a response size limit. Error messages say which step failed
// (DNS, connect, TLS, timeout, size) and never contain the token.
//
// Thread safety: one client per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "helper/fetch/http_client.h"

namespace darcy::fetch {

struct CurlOptions {
  std::string base_url;     // https://host[:port] (a trailing / is dropped)
  std::string ca_file;      // empty: the system CA store
  std::string pin_sha256;   // base64 SHA-256 of the controller's public key; empty: no pin
  bool allow_http = false;  // insecure-http
  std::int64_t connect_timeout = 5;
  std::int64_t timeout = 30;
  std::size_t max_body_bytes = 8u * 1024 * 1024;
};

class CurlHttpClient : public HttpClient {
 public:
  // `token` is sent as the Authorization header of every request.
  CurlHttpClient(CurlOptions options, SecureString token);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  CurlOptions options_;
  std::string display_url_;  // base_url without any user information, for messages
  SecureString token_;
};

}  // namespace darcy::fetch
