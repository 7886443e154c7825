// Editing the Docker client's config.json (`$DOCKER_CONFIG/config.json`, else
// `$HOME/.docker/config.json`) to route registries to this helper through its
// `credHelpers` map, as `configure-docker` does (DESIGN.md section 9).
//
// The edit touches only `credHelpers`: every other key (auths, credsStore,
// proxies, keys this code has never heard of) keeps its value and its place.
// The result is written the way the docker CLI writes the file: indented with
// tabs, followed by a newline.
//
// Which credHelpers key a client looks up for a registry:
//   - the docker CLI (cli/command/registry.go ResolveAuthConfig, then
//     cli/config/configfile/file.go getConfiguredCredentialStore) uses the
//     registry's hostname, `host[:port]`, except for the official index, for
//     which it uses registry.IndexServer, `https://index.docker.io/v1/`.
//     A `docker.io` key is never consulted by `docker pull`.
//   - containers/image (skopeo, podman, buildah; pkg/docker/config
//     findCredentialsInFile) looks up `CredHelpers[registry]` with the
//     reference's domain, which is `docker.io` for Docker Hub.
// So Docker Hub needs both keys (docker_hub_cred_helper_keys) and every other
// registry its key from server_key().
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "helper/config.h"
#include "vault/result.h"

namespace darcy::helper {

// The credHelpers value that names docker-credential-darcy.
inline constexpr std::string_view kCredHelperName = "darcy";
// The largest config.json read.
inline constexpr std::size_t kMaxDockerConfigBytes = 16u * 1024 * 1024;

// The credHelpers keys clients look up for a server key (a result of
// server_key): for Docker Hub `https://index.docker.io/v1/` (the docker CLI)
// and `docker.io` (containers/image); for any other registry the key itself.
std::vector<std::string> cred_helper_keys(std::string_view key);

// The config.json Docker reads: `$DOCKER_CONFIG/config.json`, else
// `$HOME/.docker/config.json`. kConfig if neither variable is set.
Result<std::string> docker_config_path(const Environment& env);

// One credHelpers entry that an edit added or changed.
struct CredHelperChange {
  std::string host;      // the credHelpers key
  std::string previous;  // the helper it named before; empty if it was absent

  bool operator==(const CredHelperChange&) const = default;
};

struct CredHelperEdit {
  std::string json;                       // the whole new config.json, ending in '\n'
  std::vector<CredHelperChange> changes;  // in the order of `hosts`; empty: nothing to do
};

// Sets `credHelpers[host] = helper` for every host in `hosts` (credHelpers keys,
// used as given; duplicates are ignored) in the config text `config_json`.
// Empty or all-whitespace text is an empty config (a missing file). A host
// that already names `helper` is left alone and not reported.
//
// Fails with kCorruption, naming `path`, when the text is not JSON (the
// message gives the line and column, never the content: `auths` holds
// passwords), is not a JSON object, or has a `credHelpers` that is not an
// object of strings.
Result<CredHelperEdit> add_cred_helpers(std::string_view config_json, const std::string& path,
                                        const std::vector<std::string>& hosts,
                                        std::string_view helper = kCredHelperName);

// The report line for a change: `gcr.io: added "darcy"` or
// `gcr.io: was "gcloud", now "darcy"`.
std::string describe(const CredHelperChange& change, std::string_view helper = kCredHelperName);

}  // namespace darcy::helper
