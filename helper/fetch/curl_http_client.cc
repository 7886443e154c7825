#include "helper/fetch/curl_http_client.h"

#include <curl/curl.h>
#include <malloc.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace darcy::fetch {
namespace {

struct Transfer {
  HttpResponse response;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > t->limit) {
    t->too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  const std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after 100 Continue, say): forget earlier headers.
    t->response.etag.clear();
    t->response.date.clear();
  } else if (header_is(line, "etag")) {
    t->response.etag = trim(line.substr(5));
  } else if (header_is(line, "date")) {
    t->response.date = trim(line.substr(5));
  }
  return n;
}

// What went wrong, in the operator's terms.
std::string describe(CURLcode code, const char* detail) {
  std::string kind;
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: kind = "DNS lookup failed"; break;
    case CURLE_COULDNT_CONNECT: kind = "connection failed"; break;
    case CURLE_OPERATION_TIMEDOUT: kind = "timed out"; break;
    case CURLE_PEER_FAILED_VERIFICATION:
      kind = "TLS: the controller's certificate was not accepted (check ca-file)";
      break;
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      kind = "TLS: the controller's public key does not match pin-sha256";
      break;
    case CURLE_SSL_CACERT_BADFILE: kind = "TLS: cannot read ca-file"; break;
    case CURLE_SSL_CONNECT_ERROR: kind = "TLS handshake failed"; break;
    case CURLE_UNSUPPORTED_PROTOCOL:
      kind = "the URL's scheme is not allowed (plain http needs insecure-http = true)";
      break;
    case CURLE_GOT_NOTHING: kind = "the connection closed without an answer"; break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: kind = "the connection broke"; break;
    case CURLE_PARTIAL_FILE: kind = "the answer was cut short"; break;
    default: kind = curl_easy_strerror(code);
  }
  if (detail != nullptr && detail[0] != '\0') kind += " (" + std::string(detail) + ")";
  return kind;
}

// libcurl's own buffers hold response bodies (with a plain ioFog controller,
// passwords) and our Authorization header: wipe every block it frees.
void wiping_free(void* p) {
  if (p == nullptr) return;
  sodium_memzero(p, malloc_usable_size(p));
  std::free(p);
}

void* wiping_realloc(void* p, std::size_t size) {
  if (p == nullptr) return std::malloc(size);
  void* q = std::malloc(size == 0 ? 1 : size);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, std::min(size, malloc_usable_size(p)));
  wiping_free(p);
  return q;
}

struct CurlGlobal {
  CurlGlobal() {
    curl_global_init_mem(CURL_GLOBAL_DEFAULT, std::malloc, wiping_free, wiping_realloc, strdup,
                         std::calloc);
  }
  ~CurlGlobal() { curl_global_cleanup(); }
};

}  // namespace

CurlHttpClient::CurlHttpClient(CurlOptions options, SecureString token)
    : options_(std::move(options)), token_(std::move(token)) {
  static CurlGlobal global;
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
  display_url_ = options_.base_url;
  const auto scheme = display_url_.find("://");
  const auto at = display_url_.find('@');
  if (scheme != std::string::npos && at != std::string::npos &&
      at < display_url_.find('/', scheme + 3)) {
    display_url_.erase(scheme + 3, at - scheme - 2);
  }
}

CurlHttpClient::~CurlHttpClient() = default;

Result<HttpResponse> CurlHttpClient::send(const HttpRequest& request) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error::Unavailable("cannot initialise libcurl");
  CURL* h = curl.get();
  const std::string url = options_.base_url + request.path;

  // The Authorization header is built in guarded memory; curl keeps its own copy.
  SecureString auth("Authorization: ");
  auth.append(view(token_));
  struct curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                         curl_slist_free_all);

  Transfer t;
  t.limit = options_.max_body_bytes;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, options_.allow_http ? "http,https" : "https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  std::string pin;
  if (!options_.pin_sha256.empty()) {
    pin = "sha256//" + options_.pin_sha256;
    curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pin.c_str());
  }
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout));
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "darcy-fetch/" DARCY_VERSION);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  if (request.method != "GET") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  }

  const CURLcode rc = curl_easy_perform(h);
  if (t.too_large) {
    return Error::Unavailable("the controller's answer is larger than the limit of " +
                              std::to_string(options_.max_body_bytes) + " bytes");
  }
  if (rc != CURLE_OK) {
    return Error::Unavailable("cannot reach the controller at " + display_url_ + ": " +
                              describe(rc, error));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.response.status);
  return std::move(t.response);
}

}  // namespace darcy::fetch
