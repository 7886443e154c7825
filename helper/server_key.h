// ServerKey: the one string under which the helper files a registry, computed
// from whatever a client sends as ServerURL or the controller has as a
// registry's `url` (docs: DESIGN.md section 4). Two URLs name the same
// registry exactly when their keys are equal.
//
// A key is `host[:port]`: the host lowercased, an IPv6 literal kept in
// brackets, a port only if one was written. Ports are never implied, because
// Docker's own config lookup treats `host` and `host:443` as different
// registries. Every Docker Hub alias maps to kDockerHubKey.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "vault/result.h"

namespace darcy::helper {

// The key of every Docker Hub alias.
inline constexpr std::string_view kDockerHubKey = "docker.io";
// What Docker sends (and `list` reports) for Docker Hub.
inline constexpr std::string_view kDockerHubServerUrl = "https://index.docker.io/v1/";
// The longest server URL accepted, in bytes, before trimming.
inline constexpr std::size_t kMaxServerUrlBytes = 1024;

// Normalises `server_url` to its key.
//
// Accepted: surrounding whitespace; an `http://` or `https://` scheme in any
// case; a path, query or fragment after the host (`host/v2/`,
// `host/repo:tag`, `host/repo@sha256:...`, `host?x`, `host#y`), all dropped;
// a host of letters, digits, `.`, `-` and `_`, or a bracketed IPv6 literal of
// hex digits, `:` and `.`; an optional port 1-65535 (leading zeros dropped).
// `docker.io`, `index.docker.io`, `registry-1.docker.io` and
// `registry.hub.docker.com` without a port give kDockerHubKey.
//
// Fails with kInvalidInput, and a message fit for the operator, on: empty
// input; input longer than kMaxServerUrlBytes; any scheme but http and https;
// user information (`user:pass@host`), which the message never repeats since
// it may hold a password; a space or control character anywhere; a missing
// host; a bad character in the host; unbalanced brackets or an unbracketed
// IPv6 address; a port that is empty, not a number, 0 or above 65535. No
// message repeats anything after the host, where query strings may carry
// tokens.
Result<std::string> server_key(std::string_view server_url);

// True if `key` (a result of server_key) is Docker Hub's.
bool is_docker_hub(std::string_view key);

// The ServerURL that `list` reports for `key` (a result of server_key), as
// Docker itself would send it: kDockerHubServerUrl for Docker Hub, else the
// key (`host[:port]`). server_key() of the result gives `key` back.
std::string list_server_url(std::string_view key);

}  // namespace darcy::helper
