#!/usr/bin/env bash
# sync sends the stored ETag as If-None-Match; an unchanged list is a 304 and the vault's
# entries stay as they were.
#
# Usage: test_etag.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin etag "$@"

it_start_controller
PASSWORD=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
it_write_config

# The entries without their fetch time (a 304 confirms them: fetchedAt moves on).
entries() { it_vault '[{k: v for k, v in e.items() if k != "fetchedAt"} for e in d["entries"]]'; }

it_step "first sync: 200 with an ETag"
it_init
it_reset_stats
it_run "$IT_HELPER" sync
it_expect_rc 0 "first sync"
[[ $IT_OUT == "synced 3 registries (3 changed)" ]] || it_fail "first sync printed '$IT_OUT'"
ETAG=$(it_vault 'd["index"]["etag"]')
[[ $ETAG == \"*\" ]] || it_fail "the vault stored ETag '$ETAG'"
BEFORE=$(entries)
SYNCED_BEFORE=$(it_vault 'd["index"]["syncedAt"]')
LINES=$(wc -l <"$IT_DIR/controller.log")

it_step "second sync: If-None-Match, 304, registries unchanged"
sleep 1
it_run "$IT_HELPER" sync
it_expect_rc 0 "second sync"
[[ $IT_OUT == "registries unchanged (3 registries)" ]] || it_fail "second sync printed '$IT_OUT'"
it_expect_requests "two syncs" 2 0
tail -n +"$((LINES + 1))" "$IT_DIR/controller.log" | grep -qx 'GET /api/v3/agent/registries 304' ||
  it_fail "the controller did not answer the second sync with 304"
[[ $(entries) == "$BEFORE" ]] || it_fail "a 304 changed the vault's entries"
[[ $(it_vault 'd["index"]["etag"]') == "$ETAG" ]] || it_fail "a 304 changed the stored ETag"
(($(it_vault 'd["index"]["syncedAt"]') > SYNCED_BEFORE)) || it_fail "a 304 did not record the sync time"
it_expect_get gcr.io _json_key <<<"$PASSWORD"

it_step "darcy-fetch itself prints the same"
it_run "$IT_FETCH" sync
it_expect_rc 0 "darcy-fetch sync"
[[ $IT_OUT == "registries unchanged (3 registries)" ]] || it_fail "darcy-fetch sync printed '$IT_OUT'"

it_step "a change on the controller makes the next sync a 200 with a new ETag"
it_patch_registry 3 password <<<"$(it_random_secret)"
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync after a change"
[[ $IT_OUT == "synced 3 registries (0 changed)" || $IT_OUT == "synced 3 registries (1 changed)" ]] ||
  it_fail "sync after a change printed '$IT_OUT'"
[[ $(it_vault 'd["index"]["etag"]') != "$ETAG" ]] || it_fail "the ETag did not change"
it_log "PASS"
