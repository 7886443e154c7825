#!/usr/bin/env bash
# The docker CLI logs in, pulls a manifest and logs out through docker-credential-darcy,
# against a real TLS registry with htpasswd auth; a registry with no stored entry is
# pulled anonymously.
#
# Usage: test_docker_cli.sh PATH_TO_docker-credential-darcy
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require_tools docker docker-registry skopeo htpasswd openssl curl python3
e2e_begin docker-cli
e2e_use_helper "$1"

user=alice
pass=$(e2e_random_secret)
registry=
e2e_start_registry registry private "$user" <<<"$pass"
open_registry=
e2e_start_registry open_registry open
e2e_make_oci_image "$E2E_DIR/image" v1
e2e_push_image "$E2E_DIR/image" v1 "$registry/demo/hello:v1" "$user" <<<"$pass"
e2e_push_image "$E2E_DIR/image" v1 "$open_registry/demo/hello:v1" anonymous <<<"unused"
layer_digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' \
  "$E2E_DIR/image/index.json")
layer_digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"])' \
  "$E2E_DIR/image/blobs/sha256/${layer_digest#sha256:}")
e2e_docker_config "$registry" "$open_registry"

e2e_step "the helper answers version, and list on an empty vault is {}"
e2e_ok docker-credential-darcy version
e2e_assert_contains "$E2E_OUT" "docker-credential-darcy" "version output"
e2e_ok docker-credential-darcy list
[[ -z $(e2e_json_keys "$E2E_OUT") ]] || e2e_fail "list on an empty vault is not {}: $E2E_OUT"

e2e_step "docker login --password-stdin stores the credentials sealed through the helper"
e2e_ok --stdin "$pass" docker login -u "$user" --password-stdin "$registry"
e2e_assert_contains "$E2E_OUT" "Login Succeeded" "docker login output"
e2e_ok docker-credential-darcy list
[[ $(e2e_json_field "$E2E_OUT" "$registry") == "$user" ]] ||
  e2e_fail "list does not map $registry to $user: $E2E_OUT"
e2e_expect_helper_get "$registry" "$user" "$pass"
e2e_assert_file_lacks "$DARCY_VAULT_DIR/vault.json" "$pass"
e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$pass"
[[ $(stat -c %a "$DARCY_VAULT_DIR") == 700 ]] || e2e_fail "vault directory is not mode 0700"
[[ $(stat -c %a "$DARCY_VAULT_DIR/vault.json") == 600 ]] || e2e_fail "vault.json is not mode 0600"
for f in "$DARCY_VAULT_DIR"/* "$DOCKER_CONFIG"/*; do
  [[ -f $f ]] || continue
  grep -qF -- "$pass" "$f" && e2e_fail "$f holds the password in plain text"
done

e2e_step "docker manifest inspect pulls with the credentials the helper returns"
e2e_ok docker manifest inspect --insecure "$registry/demo/hello:v1"
e2e_assert_contains "$E2E_OUT" "$layer_digest" "manifest"

e2e_step "with a wrong password stored, docker manifest inspect fails with an auth error"
e2e_helper_store "$registry" "$user" <<<"wrong-$pass"
mark=$(e2e_registry_mark private)
e2e_fails docker manifest inspect --insecure "$registry/demo/hello:v1"
# docker 28 reports "no such manifest"; the registry log says why.
e2e_expect_registry_rejected private "$mark" "$user"
e2e_helper_store "$registry" "$user" <<<"$pass"
e2e_ok docker manifest inspect --insecure "$registry/demo/hello:v1"
e2e_assert_contains "$E2E_OUT" "$layer_digest" "manifest after storing the right password again"

e2e_step "docker logout erases the entry through the helper"
e2e_ok docker logout "$registry"
e2e_expect_helper_not_found "$registry"
e2e_ok docker-credential-darcy list
e2e_assert_not_contains "$(e2e_json_keys "$E2E_OUT")" "$registry" "list after docker logout"
e2e_fails docker manifest inspect --insecure "$registry/demo/hello:v1"
e2e_expect_auth_error "$E2E_OUT $E2E_ERR" "docker manifest inspect after logout"

e2e_step "a darcy-routed host with no entry falls back to an anonymous pull"
e2e_expect_helper_not_found "$open_registry"
e2e_ok docker manifest inspect --insecure "$open_registry/demo/hello:v1"
e2e_assert_contains "$E2E_OUT" "$layer_digest" "anonymous manifest"

e2e_step "with \"credsStore\": \"darcy\", docker login, manifest inspect and logout go through the helper"
printf '{"credsStore":"darcy"}\n' >"$DOCKER_CONFIG/config.json"
e2e_ok --stdin "$pass" docker login -u "$user" --password-stdin "https://$registry/v2/"
e2e_ok docker-credential-darcy list
[[ $(e2e_json_keys "$E2E_OUT") == "$registry" ]] ||
  e2e_fail "after docker login https://$registry/v2/, list should hold exactly $registry: $E2E_OUT"
e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$pass"
e2e_ok docker manifest inspect --insecure "$registry/demo/hello:v1"
e2e_assert_contains "$E2E_OUT" "$layer_digest" "manifest with credsStore"
e2e_ok docker logout "$registry"
e2e_ok docker-credential-darcy list
[[ -z $(e2e_json_keys "$E2E_OUT") ]] || e2e_fail "list after docker logout is not {}: $E2E_OUT"

e2e_step "docker CLI end-to-end: all checks passed"
