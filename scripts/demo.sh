#!/usr/bin/env bash
# Shows docker-credential-darcy serving real clients, on this machine only:
#   1. installs what is missing (scripts/install-deps.sh) and builds the helper
#      (Release, into build-demo/);
#   2. starts a registry on 127.0.0.1 with a self-signed TLS certificate and password
#      auth, and pushes a small image to it (made by hand, no Docker daemon needed);
#   3. points a fresh Docker config at the helper, logs in with
#      `docker login --password-stdin` (the helper seals the password into its vault),
#   4. pulls through the helper with `docker manifest inspect` and `skopeo copy`,
#   5. lists the vault, then stops everything it started and removes its files.
#
# Usage: scripts/demo.sh    (DARCY_DEMO_KEEP=1 keeps the temporary directory)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build-demo

say() { printf 'demo: %s\n' "$*"; }

say "checking dependencies (scripts/install-deps.sh)"
"$repo/scripts/install-deps.sh"

say "building docker-credential-darcy (Release) in build-demo/"
mkdir -p "$build"
log=$build/demo-build.log
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDARCY_BUILD_TESTS=OFF &&
  cmake --build "$build" -j2 --target docker-credential-darcy; } >"$log" 2>&1; then
  tail -n 20 "$log"
  say "build failed; full log in $log"
  exit 1
fi
helper=$build/helper/docker-credential-darcy

# shellcheck source=../tests/e2e/lib.sh
source "$repo/tests/e2e/lib.sh"
e2e_require_tools docker docker-registry skopeo htpasswd openssl curl python3
e2e_begin demo
E2E_KEEP_ON_SUCCESS=${DARCY_DEMO_KEEP:-0}
e2e_use_helper "$helper"

user=demo
pass=$(e2e_random_secret)
registry=
e2e_start_registry registry private "$user" <<<"$pass"
say "registry with password auth listening at https://$registry (self-signed TLS, 127.0.0.1 only)"
e2e_make_oci_image "$E2E_DIR/image" v1
e2e_push_image "$E2E_DIR/image" v1 "$registry/demo/hello:v1" "$user" <<<"$pass"
say "pushed $registry/demo/hello:v1"

e2e_docker_config "$registry"
say "Docker config $DOCKER_CONFIG/config.json: $(cat "$DOCKER_CONFIG/config.json")"

e2e_ok --stdin "$pass" docker login -u "$user" --password-stdin "$registry"
say "docker login -u $user --password-stdin $registry: $E2E_OUT"
e2e_assert_file_lacks "$DARCY_VAULT_DIR/vault.json" "$pass"
e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$pass"
say "the password is sealed in $DARCY_VAULT_DIR/vault.json; neither it nor config.json holds it in clear"

e2e_ok docker manifest inspect --insecure "$registry/demo/hello:v1"
digest=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["digest"])' <<<"$E2E_OUT")
say "docker manifest inspect $registry/demo/hello:v1: layer $digest"

e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" \
  "docker://$registry/demo/hello:v1" "oci:$E2E_DIR/pulled:v1"
content=$(tar -xzOf "$E2E_DIR/pulled/blobs/sha256/${digest#sha256:}" hello.txt)
say "skopeo copy docker://$registry/demo/hello:v1 oci:pulled:v1: the layer says '$content'"

e2e_ok docker-credential-darcy list
say "docker-credential-darcy list: $E2E_OUT"

say "stopping the registry and cleaning up"
