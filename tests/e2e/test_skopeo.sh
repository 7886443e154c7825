#!/usr/bin/env bash
# skopeo reads credentials for a darcy-routed registry from docker-credential-darcy
# (inspect, copy), stores them through it (login) and erases them (logout), against a
# real TLS registry with htpasswd auth.
#
# Usage: test_skopeo.sh PATH_TO_docker-credential-darcy
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require_tools skopeo docker-registry htpasswd openssl curl python3
e2e_begin skopeo
e2e_use_helper "$1"

user=bob
pass=$(e2e_random_secret)
registry=
e2e_start_registry registry private "$user" <<<"$pass"
e2e_make_oci_image "$E2E_DIR/image" v1
e2e_push_image "$E2E_DIR/image" v1 "$registry/demo/hello:v1" "$user" <<<"$pass"
e2e_docker_config "$registry"
image=docker://$registry/demo/hello:v1
tls=(--cert-dir "$E2E_CERT_DIR")

e2e_step "with no entry, the helper answers not-found and skopeo goes on anonymously"
e2e_expect_helper_not_found "$registry"
e2e_fails skopeo inspect "${tls[@]}" "$image"
e2e_expect_auth_error "$E2E_ERR" "skopeo inspect without credentials"
# Any helper answer but the not-found text would be fatal to skopeo with this wording.
e2e_assert_not_contains "$E2E_ERR" "getting credentials" "skopeo inspect without credentials"

e2e_step "skopeo inspect uses the credentials the helper returns"
e2e_helper_store "$registry" "$user" <<<"$pass"
e2e_ok skopeo inspect "${tls[@]}" "$image"
[[ $(e2e_json_field "$E2E_OUT" Name) == "$registry/demo/hello" ]] ||
  e2e_fail "skopeo inspect names another image: $E2E_OUT"

e2e_step "with a wrong password stored, skopeo inspect fails with an auth error"
e2e_helper_store "$registry" "$user" <<<"wrong-$pass"
mark=$(e2e_registry_mark private)
e2e_fails skopeo inspect "${tls[@]}" "$image"
e2e_expect_auth_error "$E2E_ERR" "skopeo inspect with a wrong password"
e2e_expect_registry_rejected private "$mark" "$user"

e2e_step "skopeo logout erases the entry through the helper"
e2e_ok skopeo logout "$registry"
e2e_expect_helper_not_found "$registry"

e2e_step "skopeo login --password-stdin stores through the helper"
e2e_ok --stdin "$pass" skopeo login "${tls[@]}" -u "$user" --password-stdin "$registry"
e2e_assert_contains "$E2E_OUT" "Login Succeeded" "skopeo login output"
e2e_expect_helper_get "$registry" "$user" "$pass"
e2e_assert_file_lacks "$DARCY_VAULT_DIR/vault.json" "$pass"
e2e_assert_file_lacks "$DOCKER_CONFIG/config.json" "$pass"
[[ ! -e $XDG_RUNTIME_DIR/containers/auth.json ]] ||
  e2e_assert_file_lacks "$XDG_RUNTIME_DIR/containers/auth.json" "$pass"

e2e_step "skopeo copy pulls the image through the helper into an oci: directory"
e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" "$image" "oci:$E2E_DIR/pulled:v1"
e2e_ok skopeo inspect "oci:$E2E_DIR/pulled:v1"
layers=$(python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["Layers"]))' <<<"$E2E_OUT")
[[ -n $layers && $layers != *" "* ]] || e2e_fail "pulled image should have one layer: $layers"
[[ -f $E2E_DIR/pulled/blobs/sha256/${layers#sha256:} ]] || e2e_fail "pulled layer blob is missing"
content=$(tar -xzOf "$E2E_DIR/pulled/blobs/sha256/${layers#sha256:}" hello.txt)
[[ $content == "hello from darcy e2e" ]] || e2e_fail "pulled layer holds '$content'"

e2e_step "a vault others can read is refused, and skopeo stops with the helper's message"
chmod 0755 "$DARCY_VAULT_DIR"
e2e_fails --stdin "$registry" docker-credential-darcy get
[[ $E2E_OUT != "$E2E_NOT_FOUND" ]] || e2e_fail "get with an open vault answered not-found"
e2e_assert_contains "$E2E_OUT" "$DARCY_VAULT_DIR" "get with an open vault"
e2e_fails skopeo inspect "${tls[@]}" "$image"
e2e_assert_contains "$E2E_ERR" "$DARCY_VAULT_DIR" "skopeo inspect with an open vault"
chmod 0700 "$DARCY_VAULT_DIR"
e2e_ok skopeo inspect "${tls[@]}" "$image"

e2e_step "skopeo end-to-end: all checks passed"
