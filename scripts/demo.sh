#!/usr/bin/env bash
# Shows docker-credential-darcy serving real clients with credentials that live on a
# controller, on this machine only:
#   1. installs what is missing (scripts/install-deps.sh) and builds the helper,
#      darcy-fetch and the dev controller (Release, into build-demo/, reused between runs);
#   2. starts the dev controller over TLS (a throwaway CA) and a registry with password
#      auth (self-signed TLS), both on 127.0.0.1, and pushes a small image to the registry;
#   3. creates registry 3 on the controller as `edgectl registry create` would;
#   4. on the node: init, enroll (the controller then seals passwords to the node key),
#      sync, configure-docker;
#   5. pulls with `docker manifest inspect` and `skopeo copy`: the helper answers from its
#      vault, and fetches registry 3 again by ID once its entry is stale;
#   6. shows that the password is in no file, prints the registries table, and stops
#      everything it started.
#
# Usage: scripts/demo.sh    (DARCY_DEMO_KEEP=1 keeps the temporary directory)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build-demo

say() { printf 'demo: %s\n' "$*"; }
show() { sed 's/^/      /'; }

say "checking dependencies (scripts/install-deps.sh)"
"$repo/scripts/install-deps.sh"

say "building docker-credential-darcy, darcy-fetch and darcy-dev-controller (Release) in build-demo/"
mkdir -p "$build"
log=$build/demo-build.log
if ! { cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DDARCY_BUILD_TESTS=ON &&
  cmake --build "$build" -j2 --target docker-credential-darcy darcy-fetch darcy-dev-controller; } \
  >"$log" 2>&1; then
  tail -n 20 "$log"
  say "build failed; full log in $log"
  exit 1
fi
helper=$build/helper/docker-credential-darcy
controller=$build/tests/controller/darcy-dev-controller

# shellcheck source=../tests/e2e/lib.sh
source "$repo/tests/e2e/lib.sh"
e2e_require_tools docker docker-registry skopeo htpasswd openssl curl python3
e2e_begin demo
# shellcheck disable=SC2034 # read by e2e_finish
E2E_KEEP_ON_SUCCESS=${DARCY_DEMO_KEEP:-0}
e2e_use_helper "$helper"

# --- the controller and the registry ------------------------------------------------------
e2e_start_controller "$controller"
say "dev controller listening at $E2E_CONTROLLER_URL (TLS, CA made for this run)"

user=demo
pass=$(e2e_random_secret)
(umask 077 && printf '%s\n' "$pass" >"$E2E_DIR/registry.password")
registry=
e2e_start_registry registry private "$user" <"$E2E_DIR/registry.password"
e2e_make_oci_image "$E2E_DIR/image" v1
e2e_push_image "$E2E_DIR/image" v1 "$registry/demo/hello:v1" "$user" <"$E2E_DIR/registry.password"
image=$registry/demo/hello:v1
say "registry with password auth at https://$registry; pushed $image"

id=
e2e_controller_create_registry id "$registry" "$user" "" <"$E2E_DIR/registry.password"
say "on the controller: edgectl registry create --url $registry --username $user --password <from file>"
say "  = POST /api/v3/user/login, then POST /api/v3/registries: registry $id"
[[ $id == 3 ]] || e2e_fail "expected registry 3, the controller made registry $id"

# --- the node -----------------------------------------------------------------------------
# ttl = 2 s (default 300) so that the demo can show a refresh by registry ID.
e2e_use_controller 2
say "helper config (DARCY_CONFIG=$DARCY_CONFIG):"
show <"$DARCY_CONFIG"

e2e_ok docker-credential-darcy init
say "docker-credential-darcy init:"
show <<<"$E2E_OUT"
e2e_ok docker-credential-darcy enroll
say "docker-credential-darcy enroll: $E2E_OUT"
e2e_ok docker-credential-darcy sync
say "docker-credential-darcy sync: $E2E_OUT"

e2e_controller_call GET "/api/v3/agent/registries/$id" - --agent
[[ $E2E_HTTP_STATUS == 200 ]] || e2e_fail "agent GET registry $id answered $E2E_HTTP_STATUS"
keys=$(e2e_json_keys "$E2E_HTTP_BODY")
E2E_HTTP_BODY=
if ! grep -qx sealed <<<"$keys" || grep -qx password <<<"$keys"; then
  e2e_fail "the controller does not seal registry $id to the node: $(tr '\n' ' ' <<<"$keys")"
fi
say "the controller now sends registry $id with \"sealed\" (to the node key) and no \"password\""

export DOCKER_CONFIG=$E2E_DIR/docker
if e2e_helper_has_command configure-docker; then
  e2e_ok docker-credential-darcy configure-docker
  say "docker-credential-darcy configure-docker:"
  printf '%s\n' "$E2E_OUT" "$E2E_ERR" | grep -v '^$' | show
else
  e2e_docker_config "$registry"
  say "wrote $DOCKER_CONFIG/config.json (configure-docker is not in this build)"
fi
grep -qF "\"$registry\"" "$DOCKER_CONFIG/config.json" || e2e_fail "config.json does not route $registry"
say "Docker config: $(python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))' \
  <"$DOCKER_CONFIG/config.json")"

# --- pulls --------------------------------------------------------------------------------
e2e_controller_reset_stats
e2e_ok docker manifest inspect --insecure "$image"
digest=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["digest"])' <<<"$E2E_OUT")
say "docker manifest inspect $image: layer $digest"
stats=$(e2e_controller_stats)
if (($(e2e_stats_count "$stats") == 0)); then
  say "  no controller request: the fresh entry was answered from the vault"
else
  say "  controller requests: $stats"
fi

sleep 2.5
e2e_controller_reset_stats
e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" "docker://$image" "oci:$E2E_DIR/pulled:v1"
content=$(tar -xzOf "$E2E_DIR/pulled/blobs/sha256/${digest#sha256:}" hello.txt)
say "skopeo copy docker://$image oci:pulled:v1 (entry now stale): the layer says '$content'"
stats=$(e2e_controller_stats)
say "  controller requests: $stats"
(($(e2e_stats_count "$stats" "GET /api/v3/agent/registries/{id}") >= 1)) ||
  e2e_fail "the helper did not fetch registry $id by ID"
say "  the helper fetched registry $id by ID, sealed to the node, and unsealed it to answer"

# --- where the password is not ------------------------------------------------------------
e2e_assert_file_lacks "$E2E_DIR/vault/vault.json" "$pass"
e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$pass"
e2e_assert_file_lacks "$DARCY_CONFIG" "$pass"
e2e_assert_file_lacks "$E2E_DIR/controller.log" "$pass"
say "the password is not in vault.json, config.json, the helper config or the controller log;"
say "vault.json holds it only sealed: $(python3 -c 'import json, sys
e = [x for x in json.load(sys.stdin)["entries"] if x.get("id") == int(sys.argv[1])][0]
print("\"sealed\": \"%s...\" (%d bytes of base64)" % (e["sealed"][:24], len(e["sealed"])))' "$id" \
  <"$E2E_DIR/vault/vault.json")"

if e2e_helper_has_command registries; then
  e2e_ok docker-credential-darcy registries
  say "docker-credential-darcy registries:"
  show <<<"$E2E_OUT"
fi

# --- doctor ---------------------------------------------------------------------------------
# Back to the default ttl, a sync, and every check of a healthy node must be OK.
e2e_use_controller 300
e2e_ok docker-credential-darcy sync
e2e_ok docker-credential-darcy doctor
say "docker-credential-darcy doctor:"
show <<<"$E2E_OUT"
if grep -qE '^(WARN|FAIL) ' <<<"$E2E_OUT"; then
  e2e_fail "doctor did not find everything OK"
fi

say "stopping the controller and the registry, removing the temporary files"
