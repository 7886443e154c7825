// Fuzz target: server_key(), the normalisation of a ServerURL or a
// controller's registry url to the key an entry is filed under
// (helper/server_key.h, DESIGN.md section 4). Input: the URL, as is.
//
// Invariants:
//   - success: the key is `host[:port]` — a host of [a-z0-9._-] or a
//     bracketed lowercase IPv6 literal, a port 1-65535 without leading zeros
//     — so no scheme, path, query, user information, whitespace or capitals;
//     it is never longer than the input; server_key(key) == key;
//     server_key(list_server_url(key)) == key; the same URL in capitals, with
//     surrounding whitespace, with `https://` before it or with more path
//     after it gives the same key;
//   - failure: kInvalidInput, one line of printable text starting
//     "invalid registry server URL: ";
//   - neither a key nor a message ever repeats text that follows an '@' of
//     the input (user information may hold a password) or that follows the
//     host (a query may hold a token): a marker placed there never comes out.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "helper/server_key.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using darcy::helper::kMaxServerUrlBytes;
using darcy::helper::server_key;

// Text no input is expected to contain; where it is placed, nothing may repeat it.
constexpr std::string_view kMarker = "zq7MARKERx";

bool is_lower_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}
bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool is_valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5 || port.front() == '0') return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

// host[:port] as server_key.h defines a key.
bool is_key_shaped(std::string_view key) {
  std::string_view host = key;
  std::string_view port;
  bool has_port = false;
  if (!key.empty() && key.front() == '[') {
    const std::size_t close = key.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view literal = key.substr(1, close - 1);
    if (literal.empty() || literal.find(':') == std::string_view::npos) return false;
    for (char c : literal) {
      if (!is_lower_hex(c) && c != ':' && c != '.') return false;
    }
    host = key.substr(0, close + 1);
    const std::string_view after = key.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      has_port = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = key.find(':');
    if (colon != std::string_view::npos) {
      host = key.substr(0, colon);
      port = key.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return false;
    for (char c : host) {
      if (!is_lower_host_char(c)) return false;
    }
  }
  return !has_port || is_valid_port(port);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool fits(std::string_view url) { return url.size() <= kMaxServerUrlBytes; }

// The key of `url` if it has one, else "" (keys are never empty).
std::string key_or_empty(std::string_view url) {
  auto key = server_key(url);
  return key.ok() ? *key : std::string();
}

void check_error(const darcy::Error& error) {
  DARCY_FUZZ_CHECK(error.code() == darcy::ErrorCode::kInvalidInput,
                   "a bad server URL is kInvalidInput");
  const std::string& m = error.message();
  DARCY_FUZZ_CHECK(m.rfind("invalid registry server URL: ", 0) == 0,
                   "the message says what was refused");
  for (char c : m) {
    const auto u = static_cast<unsigned char>(c);
    DARCY_FUZZ_CHECK(u >= 0x20 && u != 0x7f, "the message is one line of printable text");
  }
}

// A marker at `at` in `url` must come out in neither the key nor the message.
void check_marker_never_repeated(std::string_view url, std::size_t at, const char* meaning) {
  std::string probe(url.substr(0, at));
  probe += kMarker;
  probe += url.substr(at);
  auto key = server_key(probe);
  const std::string& out = key.ok() ? *key : key.error().message();
  DARCY_FUZZ_CHECK(out.find(kMarker) == std::string::npos, meaning);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  auto result = server_key(url);

  if (url.find(kMarker) == std::string_view::npos) {
    if (const std::size_t at = url.find('@'); at != std::string_view::npos) {
      check_marker_never_repeated(url, at + 1,
                                  "text after '@' (user information) is never repeated");
    }
    // More path after the URL: never repeated, and the key does not change.
    // (Not when the URL ends in blanks, which would then be inside it, or in
    // ":/", where one more '/' would complete a scheme.)
    const bool can_extend = !url.empty() && !is_space(url.back()) &&
                            !(url.size() >= 2 && url.substr(url.size() - 2) == ":/");
    if (can_extend) {
      std::string longer(url);
      longer += "/";
      check_marker_never_repeated(longer, longer.size(), "text after the host is never repeated");
      longer += kMarker;
      if (fits(longer)) {
        DARCY_FUZZ_CHECK(key_or_empty(longer) == (result.ok() ? *result : std::string()),
                         "a longer path keeps the key, and the verdict");
      }
    }
  }

  if (!result.ok()) {
    check_error(result.error());
    return 0;
  }

  const std::string& key = *result;
  DARCY_FUZZ_CHECK(!key.empty(), "a key is never empty");
  DARCY_FUZZ_CHECK(is_key_shaped(key), "a key is host[:port], lowercase, with a valid port");
  DARCY_FUZZ_CHECK(key.size() <= url.size(), "a key is never longer than its URL");

  auto again = server_key(key);
  DARCY_FUZZ_CHECK(again.ok() && *again == key, "server_key is idempotent");

  const std::string listed = darcy::helper::list_server_url(key);
  auto from_listed = server_key(listed);
  DARCY_FUZZ_CHECK(from_listed.ok() && *from_listed == key,
                   "list_server_url(key) maps back to the key");
  DARCY_FUZZ_CHECK(darcy::helper::is_docker_hub(key) ==
                       (listed == darcy::helper::kDockerHubServerUrl),
                   "only Docker Hub lists as https://index.docker.io/v1/");

  DARCY_FUZZ_CHECK(key_or_empty(upper(url)) == key,
                   "scheme and host are case-insensitive; the path is dropped anyway");
  const std::string padded = " \t" + std::string(url) + "\r\n";
  if (fits(padded)) {
    DARCY_FUZZ_CHECK(key_or_empty(padded) == key, "surrounding whitespace is ignored");
  }
  const std::string full = "https://" + key + "/v2/";
  if (fits(full)) {
    DARCY_FUZZ_CHECK(key_or_empty(full) == key,
                     "a key with a scheme and a path gives the key back");
  }
  return 0;
}
