// Config: the helper's settings, read from an INI file and overridden by the
// environment (DESIGN.md section 8; every key is described in
// docs/configuration.md). Docker passes no flags to a credential helper, so
// everything the protocol path needs comes from here.
//
// The file is `$DARCY_CONFIG` if set, else /etc/darcy/helper.conf for root,
// else `$XDG_CONFIG_HOME/darcy/helper.conf` (or `$HOME/.config/...`). It holds
// plain `key = value` lines, `#` comments and blank lines; no sections. Each
// key may be overridden by the environment variable `DARCY_<KEY>`, uppercase
// with dashes as underscores (`vault-dir` -> DARCY_VAULT_DIR). Without a file
// and without a controller the helper is a sealed local store.
//
// Nothing in the config is secret: the controller token lives in token-file.
//
// Thread safety: load_config reads only the Environment it is given and the
// config file; Config and Environment are plain values.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vault/result.h"

namespace darcy::helper {

inline constexpr std::string_view kSystemConfigPath = "/etc/darcy/helper.conf";
inline constexpr std::string_view kSystemVaultDir = "/var/lib/darcy";
// Names the config file to read instead of the default; it must then exist.
inline constexpr std::string_view kConfigPathVariable = "DARCY_CONFIG";
// The largest config file read.
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

// `pin = <host>=<id>`: when several controller registries map to one host,
// the entry with this ID answers.
struct RegistryPin {
  std::string host;  // as written; callers normalise it with server_key()
  std::int64_t id = 0;

  bool operator==(const RegistryPin&) const = default;
};

struct Config {
  // Controller base URL; empty means no controller (a local-only sealed store).
  // https://, or http:// only with insecure_http.
  std::string controller_url;
  std::string token_file;  // file holding the ioFog agent token
  std::string ca_file;     // CA bundle for the controller; empty: system CAs
  // Base64 SHA-256 of the controller's SubjectPublicKeyInfo, without curl's
  // `sha256//` prefix; empty: no pinning.
  std::string pin_sha256;
  bool insecure_http = false;
  std::string vault_dir;  // never empty after load_config

  // Durations, in seconds.
  std::int64_t ttl = 300;              // an entry younger than this is used without the network
  std::int64_t grace = 7 * 24 * 3600;  // a stale entry is served this long if the controller fails
  std::int64_t connect_timeout = 5;
  std::int64_t timeout = 30;

  std::vector<RegistryPin> pins;
  bool allow_store = true;         // whether `store` may add local entries
  std::string log_level = "warn";  // one of error, warn, info, debug
  std::string log_file;            // empty: stderr only

  std::string source;  // path of the config file read; empty if none was
};

// The process environment, as a value, so tests can give load_config any
// environment and user they like.
struct Environment {
  std::map<std::string, std::string> vars;
  uid_t uid = 0;

  // The real environment (`environ`) and getuid(). Reads no passwd database,
  // so it works in a static binary: the home directory is $HOME.
  static Environment current();

  // The value of `name`, or nullptr if it is unset.
  const std::string* get(std::string_view name) const;
};

// The config file read when DARCY_CONFIG is unset: kSystemConfigPath for
// uid 0, else under $XDG_CONFIG_HOME or $HOME/.config; empty if neither is
// set. Relative XDG paths are ignored, as the XDG spec asks.
std::string default_config_path(const Environment& env);

// The vault directory used when vault-dir is not configured: kSystemVaultDir
// for uid 0, else `$XDG_STATE_HOME/darcy` or `$HOME/.local/state/darcy`;
// empty if neither is set.
std::string default_vault_dir(const Environment& env);

// Reads the config file (see above), applies the DARCY_* overrides, fills in
// defaults and validates the result.
//
// A missing default config file is not an error (all defaults apply); a
// missing $DARCY_CONFIG file is. Fails with kConfig on an unreadable file, a
// syntax error, an unknown or repeated key, a value that does not validate,
// or a vault directory that cannot be determined. Every message names the
// key, where the bad value came from (file and line, or environment variable)
// and the value. Empty environment variables count as unset.
Result<Config> load_config(const Environment& env);

}  // namespace darcy::helper
