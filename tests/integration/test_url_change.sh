#!/usr/bin/env bash
# The controller moves a registry to another URL: after the refresh the old host answers
# not-found and the new host answers the credentials.
#
# Usage: test_url_change.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin url-change "$@"

it_start_controller
PASSWORD=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
it_write_config ttl=1

it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
it_expect_get gcr.io _json_key <<<"$PASSWORD"

it_step "PATCH url: gcr.io becomes registry.example.com:5000"
it_patch_registry 3 url <<<"https://Registry.Example.com:5000/"
sleep 2
it_reset_stats
it_expect_not_found gcr.io
it_expect_requests "get of the old host" 0 1
[[ $(it_vault '[e["key"] for e in d["entries"] if e["id"] == 3]') == '["registry.example.com:5000"]' ]] ||
  it_fail "entry 3's key is $(it_vault '[e["key"] for e in d["entries"] if e["id"] == 3]')"
it_expect_get registry.example.com:5000 _json_key <<<"$PASSWORD"
it_expect_get https://registry.example.com:5000 _json_key <<<"$PASSWORD"
it_expect_not_found registry.example.com

it_step "the same through a list sync"
it_patch_registry 3 url <<<"quay.io"
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync after the second move"
it_write_config ttl=300
it_reset_stats
it_expect_not_found registry.example.com:5000
it_expect_get quay.io _json_key <<<"$PASSWORD"
it_expect_requests "gets after the list sync" 0 0
it_log "PASS"
