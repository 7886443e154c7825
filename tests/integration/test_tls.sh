#!/usr/bin/env bash
# TLS to the controller: a certificate from another CA is refused; pin-sha256 with the
# controller's key works and with another key is refused; plain http:// is refused by the
# configuration unless insecure-http = true.
#
# Usage: test_tls.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin tls "$@"

it_start_controller
PASSWORD=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
it_make_ca other
RIGHT_PIN=$(it_spki_sha256 "$IT_DIR/server.pem")
WRONG_PIN=$(it_spki_sha256 "$IT_DIR/other-ca.pem")
[[ ${#RIGHT_PIN} == 44 && $RIGHT_PIN == *= ]] || it_fail "odd SPKI hash '$RIGHT_PIN'"

it_step "a ca-file of another CA: sync and get fail with a TLS message"
it_write_config ca-file="$IT_DIR/other-ca.pem"
it_init
it_run "$IT_HELPER" sync
it_expect_rc 1 "sync with the wrong CA"
it_expect_contains "$IT_ERR" "TLS: the controller's certificate was not accepted" "sync's error"
it_helper_get gcr.io
it_expect_error "get with the wrong CA" "TLS" "certificate"

it_step "pin-sha256 of the controller's key works"
it_write_config vault-dir="$IT_DIR/vault-pin" pin-sha256="$RIGHT_PIN"
it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync with the right pin"
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_write_config vault-dir="$IT_DIR/vault-pin2" pin-sha256="sha256//$RIGHT_PIN"
it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync with the right pin in curl's form"

it_step "pin-sha256 of another key fails with the pin message"
it_write_config vault-dir="$IT_DIR/vault-wrong-pin" pin-sha256="$WRONG_PIN"
it_init
it_run "$IT_HELPER" sync
it_expect_rc 1 "sync with a wrong pin"
it_expect_contains "$IT_ERR" "does not match pin-sha256" "sync's error"
it_helper_get gcr.io
it_expect_error "get with a wrong pin" "pin-sha256"

it_step "plain http:// without insecure-http is refused by the configuration"
it_stop_controller
it_start_controller --http
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
[[ $IT_CTL_URL == http://* ]] || it_fail "the controller is not on plain http: $IT_CTL_URL"
it_write_config vault-dir="$IT_DIR/vault-http" ca-file=
it_run "$IT_HELPER" sync
it_expect_rc 1 "sync over plain http"
it_expect_contains "$IT_ERR" "insecure-http" "sync's error"
it_helper_get gcr.io
it_expect_error "get over plain http" "insecure-http"
it_reset_stats
it_run "$IT_FETCH" sync
it_expect_rc 1 "darcy-fetch sync over plain http"
it_expect_contains "$IT_ERR" "insecure-http" "darcy-fetch's error"
it_expect_requests "refused plain http" 0 0

it_step "with insecure-http = true it works"
it_write_config vault-dir="$IT_DIR/vault-http" ca-file= insecure-http=true
it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync over plain http with insecure-http"
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_log "PASS"
