#!/usr/bin/env bash
# Pulls with real clients through credentials that exist only on the controller.
#
# The registry's password is created on the dev controller through its user API (as
# `edgectl registry create` does) and nowhere else. The node enrolls its key; docker and
# skopeo, routed to the helper by credHelpers, pull; the helper fetches the entry from the
# controller sealed to the node. Then:
#   - a second pull within ttl makes no controller request;
#   - the password is never in vault.json, the Docker config, the helper's stderr, the
#     controller's log or any command line of the machine;
#   - the password rotated on the controller and the registry is fetched again by registry
#     ID once the entry is stale (ttl = 1), and the pull succeeds;
#   - with the controller stopped, the stale entry is served from the vault (grace) with a
#     warning on the helper's stderr.
#
# Usage: test_controller_pull.sh PATH/TO/docker-credential-darcy PATH/TO/darcy-dev-controller
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

helper=${1:?usage: $0 HELPER CONTROLLER}
controller=${2:?usage: $0 HELPER CONTROLLER}

e2e_require_tools docker skopeo docker-registry htpasswd openssl curl python3
e2e_begin controller-pull
e2e_use_helper "$helper"

user=fiona
pass=$(e2e_random_secret)
pass2=$(e2e_random_secret)
registry=
e2e_start_registry registry private "$user" <<<"$pass"
e2e_make_oci_image "$E2E_DIR/image" v1
e2e_push_image "$E2E_DIR/image" v1 "$registry/demo/hello:v1" "$user" <<<"$pass"
image=$registry/demo/hello:v1

# Both passwords are watched on every command line from here to the end.
(umask 077 && printf '%s\n%s\n' "$pass" "$pass2" >"$E2E_DIR/secrets")
e2e_start_argv_sampler "$E2E_DIR/secrets"

e2e_step "the registry's credentials are created on the controller only"
e2e_start_controller "$controller"
id=
e2e_controller_create_registry id "$registry" "$user" "$user@example.com" <<<"$pass"
{ [[ $id =~ ^[0-9]+$ ]] && ((id >= 3)); } || e2e_fail "the controller gave registry id '$id'"
e2e_use_controller
e2e_docker_config "$registry"
e2e_wrap_helper

e2e_step "init and enroll: the controller seals the password to the node"
e2e_ok docker-credential-darcy init
e2e_ok docker-credential-darcy enroll
stats=$(e2e_controller_stats)
[[ $(e2e_stats_count "$stats" "PUT /api/v3/agent/node-key") == 1 ]] ||
  e2e_fail "enroll did not upload the node key once: $stats"
e2e_controller_call GET "/api/v3/agent/registries/$id" - --agent
[[ $E2E_HTTP_STATUS == 200 ]] || e2e_fail "agent GET registry $id answered $E2E_HTTP_STATUS"
keys=$(e2e_json_keys "$E2E_HTTP_BODY")
grep -qx sealed <<<"$keys" || e2e_fail "the agent row has no sealed password after enroll: $keys"
grep -qx password <<<"$keys" && e2e_fail "the agent row still carries the plain password after enroll"
E2E_HTTP_BODY=

e2e_step "first pull: docker and skopeo get the credentials through the helper from the controller"
e2e_controller_reset_stats
e2e_ok docker manifest inspect --insecure "$image"
digest=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["digest"])' <<<"$E2E_OUT")
e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" "docker://$image" "oci:$E2E_DIR/pulled-1:v1"
content=$(tar -xzOf "$E2E_DIR/pulled-1/blobs/sha256/${digest#sha256:}" hello.txt)
[[ $content == 'hello from darcy e2e' ]] || e2e_fail "skopeo pulled a layer holding '$content'"
grep -qx 'helper: get' "$E2E_HELPER_CALLS" || e2e_fail "no client ran the helper's get"
stats=$(e2e_controller_stats)
by_id=$(e2e_stats_count "$stats" "GET /api/v3/agent/registries/{id}")
by_list=$(e2e_stats_count "$stats" "GET /api/v3/agent/registries")
((by_id + by_list >= 1)) || e2e_fail "the pull made no registry request to the controller: $stats"
e2e_log "  controller requests: $stats"
e2e_expect_helper_get "$registry" "$user" "$pass"

e2e_step "second pull within ttl: no controller request"
before=$(e2e_stats_count "$(e2e_controller_stats)")
e2e_ok docker manifest inspect --insecure "$image"
e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" "docker://$image" "oci:$E2E_DIR/pulled-2:v1"
stats=$(e2e_controller_stats)
after=$(e2e_stats_count "$stats")
((after == before)) || e2e_fail "a pull within ttl reached the controller ($before then $after requests): $stats"

e2e_step "the password is in no file the node or the clients wrote"
e2e_assert_file_lacks "$E2E_DIR/vault/vault.json" "$pass"
e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$pass"
e2e_assert_file_lacks "$E2E_HELPER_STDERR" "$pass"
e2e_assert_file_lacks "$E2E_DIR/controller.log" "$pass"
e2e_assert_file_lacks "$DARCY_CONFIG" "$pass"

e2e_step "rotation: a new password on the controller and the registry, fetched by registry ID"
e2e_set_registry_password private "$registry" "$user" <<<"$pass2"
e2e_registry_accepts "$registry" "$user" <<<"$pass" && e2e_fail "the registry still accepts the old password"
e2e_registry_accepts "$registry" "$user" <<<"$pass2" || e2e_fail "the registry refuses the new password"
e2e_controller_set_password "$id" <<<"$pass2"
e2e_use_controller 1
sleep 2
e2e_controller_reset_stats
e2e_ok docker manifest inspect --insecure "$image"
e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" "docker://$image" "oci:$E2E_DIR/pulled-3:v1"
stats=$(e2e_controller_stats)
(($(e2e_stats_count "$stats" "GET /api/v3/agent/registries/{id}") >= 1)) ||
  e2e_fail "the stale entry was not fetched by registry ID: $stats"
e2e_log "  controller requests: $stats"
e2e_expect_helper_get "$registry" "$user" "$pass2"
e2e_assert_file_lacks "$E2E_DIR/vault/vault.json" "$pass2"

e2e_step "controller stopped: the stale entry is served from the vault with a warning"
e2e_stop_controller
sleep 2
mark=$(wc -l <"$E2E_HELPER_STDERR")
e2e_ok docker manifest inspect --insecure "$image"
e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" "docker://$image" "oci:$E2E_DIR/pulled-4:v1"
warnings=$(tail -n +"$((mark + 1))" "$E2E_HELPER_STDERR")
e2e_assert_contains "$warnings" "serving credentials for $registry cached" "the helper's stderr"
e2e_assert_contains "$warnings" "controller unreachable" "the helper's stderr"
# The user sees the warning: docker passes the helper's stderr on (here without the wrapper).
PATH=$E2E_BIN_DIR:$PATH e2e_ok docker manifest inspect --insecure "$image"
e2e_assert_contains "$E2E_ERR" "serving credentials for $registry cached" "docker's stderr"
e2e_ok --stdin "$registry" "$E2E_BIN_DIR/docker-credential-darcy" get
e2e_assert_contains "$E2E_ERR" "serving credentials for $registry cached" "stderr of get"
[[ $(e2e_json_field "$E2E_OUT" Secret) == "$pass2" ]] || e2e_fail "get served a password other than the cached one"

e2e_step "no secret on any command line, in the helper's stderr, or in the files"
e2e_stop_argv_sampler
for secret in "$pass" "$pass2"; do
  e2e_assert_file_lacks "$E2E_HELPER_STDERR" "$secret"
  e2e_assert_file_lacks "$E2E_HELPER_CALLS" "$secret"
  e2e_assert_file_lacks "$E2E_DIR/vault/vault.json" "$secret"
  e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$secret"
  e2e_assert_file_lacks "$E2E_DIR/controller.log" "$secret"
done
if grep '^helper:' "$E2E_HELPER_CALLS" | grep -vxE 'helper: (store|get|erase|list|version|init|enroll)' >&2; then
  e2e_fail "the helper was called with other arguments (above)"
fi

e2e_step "controller pull: all checks passed"
