#!/usr/bin/env bash
# A wrong agent token: the controller answers 401; sync says the token was refused, and a
# get with nothing cached fails with a clear message, never the not-found text.
#
# Usage: test_token_refused.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin token-refused "$@"

it_start_controller
it_create_registry gcr.io _json_key <<<"$(it_random_secret)" >/dev/null
printf 'wrong-%s\n' "$(openssl rand -hex 16)" >"$IT_DIR/wrong.token"
chmod 0600 "$IT_DIR/wrong.token"
it_write_config token-file="$IT_DIR/wrong.token"

it_step "sync with a wrong token"
it_init
it_reset_stats
it_run "$IT_HELPER" sync
it_expect_rc 1 "sync with a wrong token"
it_expect_contains "$IT_ERR" "HTTP 401" "sync's error"
it_expect_contains "$IT_ERR" "token was refused" "sync's error"
it_expect_requests "sync with a wrong token" 1 0

it_step "get with nothing cached and a wrong token"
it_helper_get gcr.io
it_expect_error "get with a wrong token" "token was refused"
it_helper_get quay.io
it_expect_error "get of another host with a wrong token" "token was refused"
if [[ -e $IT_DIR/vault/vault.json ]]; then
  [[ $(it_vault '[e["id"] for e in d["entries"]]') == "[]" ]] || it_fail "a refused sync wrote entries"
  [[ $(it_vault 'd["index"]["syncedAt"]') == 0 ]] || it_fail "a refused sync recorded a sync time"
fi

it_step "the right token works"
it_write_config
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync with the right token"
it_log "PASS"
